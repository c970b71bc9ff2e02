"""Check-ins end to end over SMS: fake Twilio on 127.0.0.1, the real app, Rasa and action server.

The clock is fast-forwarded by running the scheduler with `now` set to a check-in's own send
time (weeks ahead), in this process, against the stack's database and Rasa: the same code the
app runs every few minutes. What each phone receives is read from the fake Twilio.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.db import session_factory, session_scope
from bot.dialogue.rasa_client import RasaClient
from bot.jobs.followups import FollowUpScheduler
from bot.models import FollowUp, Handoff, WellbeingAnswer
from bot.policy import opt_out
from bot.records.consent import FOLLOW_UP, KEEP_DATA, record_consent
from bot.records.followups import record_baseline, schedule_series
from bot.records.goals import create_goal
from bot.records.people import get_or_create_address
from bot.reports.disclosure import publish_count
from bot.reports.export import report_csv
from bot.reports.outcomes import build_report
from community_directory.geography import outward_centroid
from community_directory.matching import MatchRequest, find_matches

pytestmark = pytest.mark.e2e


class SmsPhone:
    """A resident's phone: texts in through the fake Twilio, reads what Twilio delivered to it."""

    def __init__(self, fake, number: str) -> None:
        self.fake, self.number = fake, number
        self.seen = len(fake.received(number))

    def say(self, text: str, timeout: float = 120) -> list[str]:
        assert self.fake.text_in(self.number, text).status_code == 200
        return self.wait_for_more(timeout)

    def wait_for_more(self, timeout: float = 120, settle: float = 2.0) -> list[str]:
        """The texts that arrive next, once they stop coming for `settle` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.fake.received(self.number)) == self.seen:
            time.sleep(0.2)
        count, quiet_since = len(self.fake.received(self.number)), time.monotonic()
        while time.monotonic() - quiet_since < settle:
            time.sleep(0.2)
            if len(self.fake.received(self.number)) != count:
                count, quiet_since = len(self.fake.received(self.number)), time.monotonic()
        got = self.fake.received(self.number)[self.seen :]
        self.seen += len(got)
        return got


NOTICE = Settings.privacy_notice_version  # seeded people said yes to the notice the stack shows


def options(replies: list[str]) -> list[str]:
    lines = replies[-1].splitlines() if replies else []
    return [line.split(" ", 1)[1] for line in lines if line[:1].isdigit() and line[1:2] == " "]


def send_due(stack, now: datetime, senders: int = 1) -> int:
    """One scheduler round at `now`, from `senders` schedulers at once (each its own claims)."""

    async def go() -> int:
        clients = [RasaClient(stack.services["rasa"].url, 60) for _ in range(senders)]
        try:
            schedulers = [
                FollowUpScheduler(session_factory(stack.database_url), c, interval_seconds=60, sender_name=f"e2e{i}")
                for i, c in enumerate(clients)
            ]
            return sum(await asyncio.gather(*(s.send_due(now) for s in schedulers)))
        finally:
            for client in clients:
                await client.close()

    return asyncio.run(go())


def check_ins_of(stack, number: str) -> list[FollowUp]:
    with session_scope(stack.database_url) as session:
        address = get_or_create_address(session, "sms", number)
        rows = list(
            session.scalars(select(FollowUp).where(FollowUp.person_id == address.person_id).order_by(FollowUp.sequence))
        )
        session.expunge_all()
    return rows


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def seeded(stack, number: str) -> tuple[list[str], str]:  # check-in ids, the goal's listing name
    """A resident who set a walking goal near SR2 with check-ins weeks ago (as the goal form writes it)."""
    with session_scope(stack.database_url) as session:
        address = get_or_create_address(session, "sms", number)
        person = address.person
        keep = record_consent(session, person, KEEP_DATA, True, "Can I keep what you tell me?", "sms", NOTICE)
        person.postcode_district, person.imd_decile = "SR2", 1
        lat, lon = outward_centroid(session, "SR2")
        far = find_matches(session, MatchRequest(needs=["physical_activity"], lat=lat, lon=lon, limit=10))[-1]
        goal = create_goal(
            session,
            person,
            keep,
            "go to the walking group",
            need="physical_activity",
            service_id=far.service_id,
            service_name=far.name,
        )
        follow = record_consent(session, person, FOLLOW_UP, True, "Can I text you later?", "sms", NOTICE)
        rows = schedule_series(session, goal, follow, "2_weeks")
        record_baseline(
            session,
            person,
            goal,
            {"life_satisfaction": 7, "worthwhile": 7, "happy_yesterday": 7, "anxious_yesterday": 2},
        )
        return [r.id for r in rows], far.name


def test_goal_baseline_check_in_answers_stored_and_reported_and_a_worse_score_asks_a_link_worker(stack, fake_twilio):
    phone = SmsPhone(fake_twilio, "+447700960001")
    assert options(phone.say("hi")) == ["Yes", "No"]
    assert any("What would make life a bit better" in t for t in phone.say("1"))
    assert any("postcode" in t for t in phone.say("I'd like to get out walking"))
    assert any("anything I should know" in t for t in phone.say("SR2 8PN"))
    assert any(t.startswith("1) ") for t in phone.say("no"))
    chosen = phone.say("1")
    name = re.search(r"Or say OK for: go to (.+)\.", " ".join(chosen)).group(1)
    assert "In 2 weeks" in options(phone.say("ok"))
    baseline = phone.say("2")
    assert any("4 quick questions" in t for t in baseline)
    assert any(t.startswith("Overall, how satisfied are you with your life nowadays?") for t in baseline)
    assert any("worthwhile" in t for t in phone.say("6"))
    assert any("happy did you feel yesterday" in t for t in phone.say("7"))
    assert any(t.startswith("On a scale where nought is 'not at all anxious'") for t in phone.say("skip"))
    assert any("I will text you in 2 weeks" in t for t in phone.say("3"))

    series = check_ins_of(stack, phone.number)
    assert [f.status for f in series] == ["scheduled"] * 3
    first = series[0]
    assert send_due(stack, aware(first.due_at) - timedelta(minutes=1)) == 0  # a minute early: not yet
    assert send_due(stack, aware(first.due_at)) == 1
    opening = phone.wait_for_more(60)
    assert any(f"Your goal was: go to {name}." in t for t in opening) and options(opening) == ["Yes", "No"]
    assert send_due(stack, aware(first.due_at)) == 0  # not twice

    assert "About what I hoped" in options(phone.say("1"))
    assert any("What helped, or what got in the way?" in t for t in phone.say("3"))
    assert any("satisfied are you with your life" in t for t in phone.say("my neighbour came with me"))
    phone.say("2")  # life satisfaction 6 -> 2: a big drop, and low
    phone.say("5")
    phone.say("4")
    end = phone.say("8")  # anxiety 3 -> 8: high
    assert any("Thank you for telling me" in t for t in end)
    assert any("link worker will get in touch" in t for t in end)

    with session_scope(stack.database_url) as session:
        answered = session.get(FollowUp, first.id)
        assert (answered.status, answered.attended, answered.progress, answered.progress_gas) == (
            "answered",
            True,
            "as_hoped",
            0,
        )
        assert answered.note == "my neighbour came with me"
        follow_up = {
            a.item: a.value
            for a in session.scalars(select(WellbeingAnswer).where(WellbeingAnswer.follow_up_id == first.id))
        }
        assert follow_up == {"life_satisfaction": 2, "worthwhile": 5, "happy_yesterday": 4, "anxious_yesterday": 8}
        handoff = session.scalar(select(Handoff).where(Handoff.person_id == answered.person_id))
        assert (handoff.reason, handoff.urgent) == ("wellbeing", False)
        assert set(handoff.context["wellbeing"]) == {"life_satisfaction_fell", "low_life_satisfaction", "high_anxiety"}
        assert [session.get(FollowUp, f.id).status for f in series[1:]] == ["scheduled", "scheduled"]

        # In the report: the person's answers are counted, and shown as the disclosure rule allows
        # (a handful of e2e people is below the rule's floor, so the published cells say so).
        report = build_report(session, date.today(), date.today(), min_cell=1)
        life = next(r for r in report.wellbeing.rows if r.key == "life_satisfaction").cells
        paired = [(a, b) for a, b in _pairs(session, "life_satisfaction")]
        assert len(paired) >= 1
        shown = publish_count(len(paired))
        assert life["paired"].value == len(paired) and (shown is not None or life["paired"].mark == "small")
        rows = list(csv.DictReader(io.StringIO(report_csv(report))))
        ons_row = next(r for r in rows if r["group"] == "Life satisfaction")
        assert ons_row["ons4_paired"] == (str(shown) if shown is not None else "fewer than 8")


def _pairs(session, item: str) -> list[tuple[int, int]]:
    """Every person's first baseline and latest check-in answer to an item, read straight from the table."""
    found: dict[str, dict[str, list[WellbeingAnswer]]] = {}
    for a in session.scalars(
        select(WellbeingAnswer)
        .where(WellbeingAnswer.item == item, WellbeingAnswer.value.is_not(None))
        .order_by(WellbeingAnswer.recorded_at)
    ):
        found.setdefault(a.person_id, {}).setdefault(a.timepoint, []).append(a)
    return [
        (v["baseline"][0].value, v["follow_up"][-1].value)
        for v in found.values()
        if "baseline" in v and "follow_up" in v
    ]


def test_didnt_go_too_far_offers_nearer_matches_or_a_person(stack, fake_twilio):
    phone = SmsPhone(fake_twilio, "+447700960002")
    ids, old_name = seeded(stack, phone.number)
    due = aware(check_ins_of(stack, phone.number)[0].due_at)
    assert send_due(stack, due) == 1
    assert any("Your goal was: go to the walking group." in t for t in phone.wait_for_more(60))
    assert options(phone.say("2"))[2] == "Too far"
    assert any("What helped, or what got in the way?" in t for t in phone.say("3"))
    phone.say("skip")
    for score in ("7", "7", "7"):
        phone.say(score)
    offered = phone.say("2")
    assert any("Here are some nearer to you." in t for t in offered)
    listed = [t for t in offered if t[:2] in ("1)", "2)", "3)")]
    assert listed, offered
    distances = [float(m) for t in listed for m in re.findall(r"(\d+\.\d) miles away", t)]
    assert distances and all(d <= 1.5 for d in distances), listed
    assert options(offered)[-1] == "Talk to a person"
    assert not any(
        t.startswith(f"1) {old_name}.") or f") {old_name}." in t for t in listed
    )  # not the one that was too far
    with session_scope(stack.database_url) as session:
        row = session.get(FollowUp, ids[0])
        assert (row.status, row.attended, row.barrier, row.progress_gas) == ("answered", False, "distance", -2)
        assert session.scalar(select(Handoff).where(Handoff.person_id == row.person_id)) is None  # 7 -> 7: fine


def test_stop_cancels_every_pending_check_in_at_once(stack, fake_twilio):
    phone = SmsPhone(fake_twilio, "+447700960003")
    seeded(stack, phone.number)
    assert opt_out.OPTED_OUT in phone.say("STOP")
    rows = check_ins_of(stack, phone.number)
    assert [(r.status, r.cancel_reason) for r in rows] == [("cancelled", "opt_out")] * 3  # before any was due
    assert send_due(stack, aware(rows[0].due_at or datetime.now(timezone.utc))) == 0


def test_rasa_restarted_between_scheduling_and_due_time_still_sent_exactly_once(stack, fake_twilio, model_path):
    phone = SmsPhone(fake_twilio, "+447700960004")
    seeded(stack, phone.number)
    due = aware(check_ins_of(stack, phone.number)[0].due_at)
    stack.kill("rasa")
    assert send_due(stack, due) == 0  # Rasa down at the due time: the check-in waits, unclaimed
    assert check_ins_of(stack, phone.number)[0].status == "scheduled"
    stack.restart_rasa(model_path)
    stack.wait_ready("rasa", timeout=300)
    assert send_due(stack, due, senders=2) == 1  # two senders at once, after the restart
    assert send_due(stack, due, senders=2) == 0
    phone.wait_for_more(60)
    time.sleep(3)
    received = fake_twilio.received(phone.number)
    assert sum("Your goal was: go to the walking group." in t for t in received) == 1
    assert sum(t.startswith("Did you go?") for t in received) == 1
    assert check_ins_of(stack, phone.number)[0].status == "sent"
