"""The check-in scheduler with a controllable clock: hours, clock changes, bank holidays, reminders,
no response, exactly-once claiming, quiet conversations and cancellation at once.

Times are given in UTC and named in London time in the comments. A fake Rasa on 127.0.0.1
answers the check-in turn; everything else (database, outbox, records) is real.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.db import session_factory
from bot.dialogue.rasa_client import RasaClient
from bot.jobs.followups import FollowUpScheduler
from bot.jobs.send_window import FollowUpPolicy, SendWindow
from bot.models import FollowUp, Handoff, InboundMessage, OutboundMessage
from bot.policy.erasure import forget_person
from bot.records.consent import FOLLOW_UP, KEEP_DATA, record_consent
from bot.records.followups import cancel_check_ins, schedule_series, series_days
from bot.records.goals import create_goal
from bot.records.people import get_or_create_address
from tests.fakes.rasa import FakeRasa

UTC = timezone.utc


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture(scope="module")
def fake_rasa():
    fake = FakeRasa()
    fake.server.start()
    try:
        yield fake
    finally:
        fake.server.stop()


def _person(session, number: str):
    address = get_or_create_address(session, "sms", number)
    keep = record_consent(session, address.person, KEEP_DATA, True, "keep?", "sms")
    follow = record_consent(session, address.person, FOLLOW_UP, True, "text you later?", "sms")
    return address, keep, follow


def _due(session, number: str, due_at: datetime, *, sequence: int = 1) -> FollowUp:
    """A check-in falling due at exactly `due_at` (the send time is set, as the series would)."""
    address, keep, follow = _person(session, number)
    goal = create_goal(session, address.person, keep, "Go to the choir")
    follow_up = FollowUp(
        person_id=address.person_id,
        goal_id=goal.id,
        consent_id=follow.id,
        sequence=sequence,
        due_on=due_at.date(),
        due_at=due_at,
    )
    session.add(follow_up)
    session.commit()
    return follow_up


def _round(database_url: str, url: str, now: datetime, policy: FollowUpPolicy | None = None) -> int:
    async def go() -> int:
        rasa = RasaClient(url, 5.0)
        try:
            return await FollowUpScheduler(
                session_factory(database_url), rasa, interval_seconds=60, policy=policy
            ).send_due(now)
        finally:
            await rasa.close()

    return asyncio.run(go())


def _status(session, follow_up_id: str) -> str:
    session.expire_all()
    return session.get(FollowUp, follow_up_id).status


def _texts(session) -> int:
    return session.query(OutboundMessage).count()


# -- the window on the London clock ------------------------------------------------------------

WINDOW = SendWindow()
SUNDAYS_TOO = SendWindow(sundays=True)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (at(2026, 11, 30, 9, 59), False),  # Monday 09:59 GMT: before opening
        (at(2026, 11, 30, 10, 0), True),  # Monday 10:00 GMT
        (at(2026, 11, 30, 18, 59), True),
        (at(2026, 11, 30, 19, 0), False),  # 19:00 is closed
        (at(2026, 11, 29, 12, 0), False),  # a Sunday
        (at(2026, 12, 25, 12, 0), False),  # Christmas Day (Friday)
        (at(2026, 12, 26, 12, 0), False),  # Boxing Day (Saturday)
        (at(2026, 12, 28, 12, 0), False),  # Boxing Day, substitute day (Monday)
        (at(2026, 12, 29, 12, 0), True),
        (at(2027, 3, 29, 12, 0), False),  # Easter Monday 2027
        (at(2027, 3, 30, 12, 0), True),
    ],
)
def test_sending_hours_weekdays_and_bank_holidays(moment, allowed):
    assert WINDOW.allowed(moment) is allowed


def test_spring_clock_change_moves_the_window_an_hour_earlier_in_utc():
    # Sunday 29 March 2026, 01:00 UTC: clocks go forward. 10:00 BST is 09:00 UTC from then on.
    assert not SUNDAYS_TOO.allowed(at(2026, 3, 28, 9, 30))  # Saturday 09:30 GMT
    assert SUNDAYS_TOO.allowed(at(2026, 3, 29, 9, 30))  # Sunday 10:30 BST
    assert not SUNDAYS_TOO.allowed(at(2026, 3, 29, 18, 30))  # Sunday 19:30 BST
    assert WINDOW.allowed(at(2026, 3, 30, 9, 0)) and not WINDOW.allowed(at(2026, 3, 30, 8, 59))
    assert not WINDOW.allowed(at(2026, 3, 29, 9, 30))  # still a Sunday by default


def test_autumn_clock_change_moves_the_window_an_hour_later_in_utc():
    # Sunday 25 October 2026, 01:00 UTC: clocks go back. 10:00 GMT is 10:00 UTC again.
    assert SUNDAYS_TOO.allowed(at(2026, 10, 24, 9, 30))  # Saturday 10:30 BST
    assert not SUNDAYS_TOO.allowed(at(2026, 10, 25, 9, 30))  # Sunday 09:30 GMT
    assert SUNDAYS_TOO.allowed(at(2026, 10, 25, 18, 30))  # Sunday 18:30 GMT
    assert not WINDOW.allowed(at(2026, 10, 26, 9, 59)) and WINDOW.allowed(at(2026, 10, 26, 10, 0))


def test_send_times_are_inside_the_window_spread_out_and_fixed_per_check_in():
    for day in (
        date(2026, 3, 27),
        date(2026, 3, 30),
        date(2026, 10, 23),
        date(2026, 10, 26),
    ):  # both sides of both changes
        slots = [WINDOW.slot_on(day, f"check-in-{n}") for n in range(500)]
        assert all(WINDOW.allowed(s) for s in slots)
        hours = {WINDOW.local(s).hour for s in slots}
        assert hours == set(range(10, 19)), "spread over every hour of the window, not bunched at opening"
    assert WINDOW.slot_on(date(2026, 3, 30), "same") == WINDOW.slot_on(date(2026, 3, 30), "same")


def test_a_check_in_due_on_a_closed_day_goes_on_the_next_open_day():
    # Due Christmas Day 2026 (Fri): Sat is Boxing Day, Sun, Mon 28th is the substitute day: Tue 29th.
    slot = WINDOW.next_slot("x", on_or_after=date(2026, 12, 25))
    assert WINDOW.local(slot).date() == date(2026, 12, 29)
    slot = WINDOW.next_slot("x", on_or_after=date(2027, 3, 28))  # Easter Sunday, then Easter Monday 2027
    assert WINDOW.local(slot).date() == date(2027, 3, 30)


def test_series_defaults_and_the_persons_choice_for_the_first(session):
    assert series_days("2_weeks", FollowUpPolicy()) == [14, 42, 84]
    assert series_days("1_week", FollowUpPolicy()) == [7, 42, 84]
    assert series_days("1_month", FollowUpPolicy(weeks=(2, 3, 8))) == [28, 56]
    address, keep, follow = _person(session, "+447700900210")
    goal = create_goal(session, address.person, keep, "Go to the choir")
    rows = schedule_series(session, goal, follow, "2_weeks", now=at(2026, 12, 1, 12))
    assert [r.due_on for r in rows] == [date(2026, 12, 15), date(2027, 1, 12), date(2027, 2, 23)]
    assert [r.sequence for r in rows] == [1, 2, 3] and goal.checkin_on == date(2026, 12, 15)
    assert all(WINDOW.allowed(r.due_at) and WINDOW.local(r.due_at).date() == r.due_on for r in rows)


# -- the scheduler with the clock fast-forwarded -------------------------------------------------


def test_nothing_is_sent_outside_hours_on_sundays_or_bank_holidays(database_url, session, fake_rasa):
    follow_up = _due(session, "+447700900211", at(2026, 12, 24, 18, 30))  # Thursday 18:30
    assert _round(database_url, fake_rasa.url, at(2026, 12, 24, 19, 0)) == 0  # closed at 19:00
    for closed in (
        at(2026, 12, 25, 12),
        at(2026, 12, 26, 12),
        at(2026, 12, 27, 12),
        at(2026, 12, 28, 12),
        at(2026, 12, 29, 9, 59),
        at(2026, 12, 29, 3),
    ):
        assert _round(database_url, fake_rasa.url, closed) == 0, closed
    assert _status(session, follow_up.id) == "scheduled" and _texts(session) == 0
    assert _round(database_url, fake_rasa.url, at(2026, 12, 29, 10, 0)) == 1
    assert _status(session, follow_up.id) == "sent" and _texts(session) == 1


def test_not_sent_before_its_time_within_the_day(database_url, session, fake_rasa):
    follow_up = _due(session, "+447700900212", at(2026, 12, 1, 15, 17))
    assert _round(database_url, fake_rasa.url, at(2026, 12, 1, 15, 16)) == 0
    assert _round(database_url, fake_rasa.url, at(2026, 12, 1, 15, 17)) == 1
    assert _status(session, follow_up.id) == "sent"


def test_sent_after_the_spring_clock_change_at_the_right_utc_hour(database_url, session, fake_rasa):
    follow_up = _due(session, "+447700900213", at(2026, 3, 30, 8, 30))  # Monday, due before opening
    assert _round(database_url, fake_rasa.url, at(2026, 3, 30, 8, 45)) == 0  # 09:45 BST
    assert _round(database_url, fake_rasa.url, at(2026, 3, 30, 9, 0)) == 1  # 10:00 BST
    assert _status(session, follow_up.id) == "sent"


def test_not_sent_early_after_the_autumn_clock_change(database_url, session, fake_rasa):
    follow_up = _due(session, "+447700900214", at(2026, 10, 26, 9, 0))
    assert _round(database_url, fake_rasa.url, at(2026, 10, 26, 9, 30)) == 0  # 09:30 GMT
    assert _round(database_url, fake_rasa.url, at(2026, 10, 26, 10, 0)) == 1
    assert _status(session, follow_up.id) == "sent"


def test_one_reminder_then_no_response_at_the_right_times(database_url, session, fake_rasa):
    follow_up = _due(session, "+447700900215", at(2026, 12, 1, 11, 0))  # Tuesday
    assert _round(database_url, fake_rasa.url, at(2026, 12, 1, 11, 0)) == 1
    session.expire_all()
    reminder_at = session.get(FollowUp, follow_up.id).due_at
    reminder_at = reminder_at if reminder_at.tzinfo else reminder_at.replace(tzinfo=UTC)
    assert WINDOW.local(reminder_at).date() == date(2026, 12, 4) and WINDOW.allowed(reminder_at)  # 3 days later
    assert _round(database_url, fake_rasa.url, at(2026, 12, 3, 18, 0)) == 0
    assert _round(database_url, fake_rasa.url, reminder_at - timedelta(minutes=1)) == 0
    assert _round(database_url, fake_rasa.url, reminder_at) == 1
    assert _status(session, follow_up.id) == "reminded" and _texts(session) == 2
    assert fake_rasa.triggered[-1]["entities"] == {"follow_up_id": follow_up.id, "check_in_step": "reminder"}
    # Closed 4 days after the reminder, whatever the hour (nothing is sent when closing).
    assert _round(database_url, fake_rasa.url, reminder_at + timedelta(days=4, minutes=-1)) == 0
    assert _status(session, follow_up.id) == "reminded"
    _round(database_url, fake_rasa.url, reminder_at + timedelta(days=4, hours=6))  # 11pm-ish: window shut
    assert _status(session, follow_up.id) == "no_response" and _texts(session) == 2


def test_a_reminder_that_falls_on_a_sunday_waits_for_monday(database_url, session, fake_rasa):
    follow_up = _due(session, "+447700900216", at(2026, 12, 3, 12, 0))  # Thursday: +3 days is Sunday
    assert _round(database_url, fake_rasa.url, at(2026, 12, 3, 12, 0)) == 1
    assert _round(database_url, fake_rasa.url, at(2026, 12, 6, 12, 0)) == 0
    session.expire_all()
    due_at = session.get(FollowUp, follow_up.id).due_at
    assert WINDOW.local(due_at.replace(tzinfo=UTC) if due_at.tzinfo is None else due_at).date() == date(2026, 12, 7)


def test_answered_check_in_gets_no_reminder(database_url, session, fake_rasa):
    follow_up = _due(session, "+447700900217", at(2026, 12, 1, 11, 0))
    assert _round(database_url, fake_rasa.url, at(2026, 12, 1, 11, 0)) == 1
    session.expire_all()
    row = session.get(FollowUp, follow_up.id)
    row.status = "answered"
    session.commit()
    assert _round(database_url, fake_rasa.url, at(2026, 12, 8, 12, 0)) == 0
    assert _status(session, follow_up.id) == "answered" and _texts(session) == 1


def test_waits_while_the_person_is_mid_conversation(database_url, session, fake_rasa):
    now = at(2026, 12, 1, 12, 0)
    follow_up = _due(session, "+447700900218", now)
    address = get_or_create_address(session, "sms", "+447700900218")
    session.add(
        InboundMessage(
            channel="sms",
            provider_id="SM-recent",
            address_id=address.id,
            status="done",
            received_at=now - timedelta(minutes=10),
        )
    )
    session.commit()
    assert _round(database_url, fake_rasa.url, now) == 0
    assert _status(session, follow_up.id) == "scheduled"
    assert _round(database_url, fake_rasa.url, now + timedelta(minutes=25)) == 1  # 35 minutes quiet


def test_waits_while_a_text_is_unanswered_or_a_link_worker_has_them(database_url, session, fake_rasa):
    now = at(2026, 12, 1, 12, 0)
    follow_up = _due(session, "+447700900219", now)
    address = get_or_create_address(session, "sms", "+447700900219")
    pending = InboundMessage(
        channel="sms",
        provider_id="SM-pending",
        address_id=address.id,
        status="pending",
        received_at=now - timedelta(days=1),
    )
    handoff = Handoff(person_id=address.person_id, reason="asked", status="claimed")
    session.add_all([pending, handoff])
    session.commit()
    assert _round(database_url, fake_rasa.url, now) == 0
    pending.status = "done"
    session.commit()
    assert _round(database_url, fake_rasa.url, now) == 0  # the link worker is still on it
    handoff.status = "closed"
    session.commit()
    assert _round(database_url, fake_rasa.url, now) == 1
    assert _status(session, follow_up.id) == "sent"


def test_waits_for_rasa_and_keeps_the_check_in(database_url, session):
    follow_up = _due(session, "+447700900220", at(2026, 12, 1, 12, 0))
    assert _round(database_url, "http://127.0.0.1:9", at(2026, 12, 1, 12, 0)) == 0  # nothing listens
    assert _status(session, follow_up.id) == "scheduled"
    session.expire_all()
    assert session.get(FollowUp, follow_up.id).claimed_by is None


def test_two_senders_at_once_send_each_check_in_exactly_once(database_url, session, fake_rasa):
    now = at(2026, 12, 1, 12, 0)
    rows = [_due(session, f"+4477009003{n:02d}", now - timedelta(minutes=n)) for n in range(30)]

    async def both() -> list[int]:
        rasa_a, rasa_b = RasaClient(fake_rasa.url, 5.0), RasaClient(fake_rasa.url, 5.0)
        try:
            a = FollowUpScheduler(session_factory(database_url), rasa_a, interval_seconds=60, sender_name="a")
            b = FollowUpScheduler(session_factory(database_url), rasa_b, interval_seconds=60, sender_name="b")
            return list(await asyncio.gather(a.send_due(now), b.send_due(now)))
        finally:
            await rasa_a.close()
            await rasa_b.close()

    counts = asyncio.run(both())
    assert sum(counts) == 30
    session.expire_all()
    assert {session.get(FollowUp, r.id).status for r in rows} == {"sent"}
    per_address = [a for (a,) in session.execute(select(OutboundMessage.address_id))]
    assert len(per_address) == len(set(per_address)) == 30


def test_a_crashed_senders_claim_is_retaken_after_it_expires(database_url, session, fake_rasa):
    now = at(2026, 12, 1, 12, 0)
    follow_up = _due(session, "+447700900221", now)
    row = session.get(FollowUp, follow_up.id)
    row.status, row.claimed_by, row.claim_expires_at = "claimed", "crashed-sender", now + timedelta(minutes=5)
    session.commit()
    assert _round(database_url, fake_rasa.url, now + timedelta(minutes=4)) == 0  # its claim still stands
    assert _round(database_url, fake_rasa.url, now + timedelta(minutes=6)) == 1
    assert _status(session, follow_up.id) == "sent" and _texts(session) == 1


def test_a_check_in_cancelled_while_being_sent_is_not_sent(database_url, session, fake_rasa):
    """The sender's last step needs its claim: STOP arriving during the Rasa call wins."""
    now = at(2026, 12, 1, 12, 0)
    follow_up = _due(session, "+447700900222", now)
    scheduler = FollowUpScheduler(session_factory(database_url), RasaClient(fake_rasa.url, 5.0), interval_seconds=60)
    claim = scheduler._claim(follow_up.id, now)
    assert claim is not None and _status(session, follow_up.id) == "claimed"
    assert cancel_check_ins(session, follow_up.person_id, "opt_out") == 1
    session.commit()
    token, step, _, channel, address_id = claim
    assert scheduler._finish(follow_up.id, token, step, channel, address_id, [{"text": "Did you go?"}], now) == 0
    assert _status(session, follow_up.id) == "cancelled" and _texts(session) == 0


# -- cancellation at once, where the events happen -----------------------------------------------


def _series(session, number: str):
    address, keep, follow = _person(session, number)
    goal = create_goal(session, address.person, keep, "Go to the choir")
    rows = schedule_series(session, goal, follow, "2_weeks", now=at(2026, 12, 1, 12))
    session.commit()
    return address, rows


def test_withdrawing_consent_to_be_contacted_cancels_every_check_in_at_once(session):
    address, rows = _series(session, "+447700900223")
    record_consent(session, address.person, FOLLOW_UP, False, "text you later?", "sms")
    session.commit()
    assert {_status(session, r.id) for r in rows} == {"cancelled"}
    assert {session.get(FollowUp, r.id).cancel_reason for r in rows} == {"consent_withdrawn"}


def test_forget_me_cancels_then_erases(session):
    address, _rows = _series(session, "+447700900224")
    forget_person(session, address.person_id, "sms")
    session.commit()
    assert session.query(FollowUp).filter(FollowUp.person_id == address.person_id).count() == 0


def test_answered_check_ins_are_not_cancelled(session):
    address, rows = _series(session, "+447700900225")
    rows[0].status = "answered"
    session.commit()
    assert cancel_check_ins(session, address.person_id, "person_asked") == 2
    session.commit()
    assert [_status(session, r.id) for r in rows] == ["answered", "cancelled", "cancelled"]


def test_cancelled_for_an_opted_out_number_found_at_send_time(database_url, session, fake_rasa):
    follow_up = _due(session, "+447700900226", at(2026, 12, 1, 12, 0))
    address = get_or_create_address(session, "sms", "+447700900226")
    address.opted_out = True  # set behind the gateway's back: the scheduler still refuses
    session.commit()
    assert _round(database_url, fake_rasa.url, at(2026, 12, 1, 12, 0)) == 0
    assert _status(session, follow_up.id) == "cancelled" and _texts(session) == 0


def test_a_bare_date_means_noon_in_london():
    from bot.jobs.followups import as_moment

    assert as_moment(date(2026, 7, 1)) == datetime.combine(date(2026, 7, 1), time(11), tzinfo=UTC)
    assert as_moment(date(2026, 12, 1)) == datetime.combine(date(2026, 12, 1), time(12), tzinfo=UTC)
