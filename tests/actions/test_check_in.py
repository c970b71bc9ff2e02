"""The check-in actions against a real database: each check-in quotes its own goal, answers are
stored against that check-in, "it didn't work" re-matches around the reason, and low or falling
wellbeing opens a non-urgent handoff.

Before this, the check-in quoted and recorded against the person's latest goal: a lunch-club
check-in answered "done" counted as the newer money goal done. The first test fails on that code.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import check_in
from actions.check_in import ActionCheckIn, ActionRecordCheckIn, ActionStopCheckIns, ValidateCheckinForm
from actions.scores import parse_attended, parse_barrier, parse_goal_progress
from bot.db import session_scope
from bot.models import FollowUp, Goal, Handoff, WellbeingAnswer
from bot.records.consent import FOLLOW_UP, KEEP_DATA, record_consent
from bot.records.followups import record_baseline, schedule_series
from bot.records.goals import create_goal
from bot.records.people import get_or_create_address

NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


@pytest.fixture
def use_db(database_url, monkeypatch):
    @contextmanager
    def db():
        with session_scope(database_url) as session:
            yield session

    monkeypatch.setattr(check_in, "db", db)
    return database_url


def _two_goals(session):
    """A lunch-club goal with check-ins, then a newer money goal without."""
    address = get_or_create_address(session, "sms", "+447700900500")
    person = address.person
    keep = record_consent(session, person, KEEP_DATA, True, "keep?", "sms")
    lunch = create_goal(
        session, person, keep, "go to the lunch club on Fridays", need="food", service_name="Hendon Lunch Club"
    )
    follow = record_consent(session, person, FOLLOW_UP, True, "text you later?", "sms")
    series = schedule_series(session, lunch, follow, "2_weeks", now=NOW)
    record_baseline(session, person, lunch, {"life_satisfaction": 8, "anxious_yesterday": 2})
    money = create_goal(session, person, keep, "ring the debt advice line", need="money")
    money.created_at = NOW.replace(day=20)  # definitely the newest
    series[0].status = "sent"
    session.commit()
    return person, lunch, money, series


def tracker(conversation_id: str, *, entities=None, intent="EXTERNAL_check_in", text=None, **slots) -> Tracker:
    return Tracker(
        sender_id=conversation_id,
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent}, "entities": entities or []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, t: Tracker) -> tuple[list[dict], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, dispatcher


def said(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("response") or m.get("text") for m in dispatcher.messages if m.get("response") or m.get("text")]


def test_the_check_in_quotes_its_own_goal_not_the_latest(session, use_db):
    person, _lunch, _, series = _two_goals(session)
    entities = [{"entity": "follow_up_id", "value": series[0].id}]
    events, dispatcher = run(ActionCheckIn(), tracker(person.conversation_id, entities=entities))
    opening = [m for m in dispatcher.messages if m.get("response") == "utter_check_in_goal"]
    assert opening and opening[0]["goal"] == "go to the lunch club on Fridays"
    assert {"event": "slot", "name": "check_in_id", "value": series[0].id, "timestamp": None} in events


def test_answers_are_stored_against_that_check_in_and_its_goal(session, use_db):
    person, lunch, money, series = _two_goals(session)
    slots = {
        "check_in_id": series[0].id,
        "attended": "yes",
        "goal_progress": "as_hoped",
        "check_in_note": "met Jean",
        "ons_life_satisfaction": "7",
        "ons_worthwhile": "skip",
        "ons_happy_yesterday": "6",
        "ons_anxious_yesterday": "3",
    }
    _, dispatcher = run(ActionRecordCheckIn(), tracker(person.conversation_id, intent="inform_score", **slots))
    assert "utter_check_in_thanks" in said(dispatcher)
    session.expire_all()
    row = session.get(FollowUp, series[0].id)
    assert (row.status, row.attended, row.progress_gas, row.note) == ("answered", True, 0, "met Jean")
    assert session.get(Goal, lunch.id).status == "done" and session.get(Goal, money.id).status == "open"
    answers = session.query(WellbeingAnswer).filter_by(follow_up_id=row.id).all()
    assert {(a.item, a.value, a.skipped) for a in answers} == {
        ("life_satisfaction", 7, False),
        ("worthwhile", None, True),
        ("happy_yesterday", 6, False),
        ("anxious_yesterday", 3, False),
    }
    assert {a.goal_id for a in answers} == {lunch.id}
    assert [session.get(FollowUp, r.id).status for r in series[1:]] == ["scheduled", "scheduled"]
    assert session.query(Handoff).count() == 0  # 8 -> 7, anxiety 3: nothing to worry about


def test_a_big_drop_opens_a_non_urgent_handoff(session, use_db):
    person, _, _, series = _two_goals(session)
    slots = {
        "check_in_id": series[0].id,
        "attended": "yes",
        "goal_progress": "as_hoped",
        "check_in_note": "skip",
        "ons_life_satisfaction": "5",
        "ons_worthwhile": "5",
        "ons_happy_yesterday": "5",
        "ons_anxious_yesterday": "4",
    }
    _, dispatcher = run(ActionRecordCheckIn(), tracker(person.conversation_id, **slots))
    handoff = session.query(Handoff).one()
    assert (handoff.reason, handoff.urgent) == ("wellbeing", False)
    assert handoff.context["wellbeing"] == ["life_satisfaction_fell"]
    assert "utter_check_in_link_worker" in said(dispatcher)


def test_an_answer_to_someone_elses_check_in_is_not_stored(session, use_db):
    _, _, _, series = _two_goals(session)
    stranger = get_or_create_address(session, "sms", "+447700900599").person
    record_consent(session, stranger, KEEP_DATA, True, "keep?", "sms")
    session.commit()
    run(
        ActionRecordCheckIn(),
        tracker(
            stranger.conversation_id,
            check_in_id=series[0].id,
            attended="yes",
            goal_progress="better",
            ons_life_satisfaction="9",
        ),
    )
    session.expire_all()
    assert session.get(FollowUp, series[0].id).status == "sent"
    assert session.query(WellbeingAnswer).filter(WellbeingAnswer.follow_up_id.is_not(None)).count() == 0


def test_no_more_check_ins_cancels_them_all_but_not_everything(session, use_db):
    person, _, _, series = _two_goals(session)
    _, dispatcher = run(ActionStopCheckIns(), tracker(person.conversation_id, intent="stop_check_ins"))
    session.expire_all()
    assert {session.get(FollowUp, r.id).status for r in series} == {"cancelled"}
    assert {session.get(FollowUp, r.id).cancel_reason for r in series} == {"person_asked"}
    assert not any(a.opted_out for a in person.addresses)
    assert "utter_check_ins_stopped" in said(dispatcher)


def test_form_asks_why_only_when_it_did_not_work_and_how_it_went_only_if_they_went():
    form = ValidateCheckinForm()

    def required(**slots):
        return asyncio.run(form.required_slots([], CollectingDispatcher(), tracker("x", **slots), {}))

    ons = ["ons_life_satisfaction", "ons_worthwhile", "ons_happy_yesterday", "ons_anxious_yesterday"]
    assert required(attended="yes", goal_progress="better") == ["attended", "goal_progress", "check_in_note", *ons]
    assert required(attended="yes", goal_progress="worse") == [
        "attended",
        "goal_progress",
        "barrier",
        "check_in_note",
        *ons,
    ]
    assert required(attended="no") == ["attended", "barrier", "check_in_note", *ons]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("done", "yes"),
        ("not_yet", "no"),
        ("i went once", "yes"),
        ("didn't go in the end", "no"),
        ("hmm", None),
    ],
)
def test_did_you_go_from_words(text, expected):
    assert parse_attended(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("much_better", "much_better"),
        ("way better than i thought", "much_better"),
        ("a bit better", "better"),
        ("about what i hoped", "as_hoped"),
        ("it was ok", "as_hoped"),
        ("a bit less than i hoped", "worse"),
        ("not great", "worse"),
        ("terrible", "much_worse"),
        ("banana", None),
    ],
)
def test_goal_progress_from_words(text, expected):
    assert parse_goal_progress(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("too far", "distance"),
        ("the bus takes ages", "distance"),
        ("couldn't afford it", "cost"),
        ("it's on when i'm at work", "time"),
        ("nobody spoke to me", "welcome"),
        ("it wasn't for me", "not_for_me"),
        ("distance", "distance"),
        ("meh", None),
    ],
)
def test_why_it_did_not_work_in_a_word(text, expected):
    assert parse_barrier(text) == expected
