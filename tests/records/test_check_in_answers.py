"""Answers are stored per ONS4 item, with instrument and version, tied to the check-in they answer."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.models import FollowUp, Goal, WellbeingAnswer
from bot.records.consent import FOLLOW_UP, KEEP_DATA, record_consent
from bot.records.followups import baseline_values, record_baseline, record_check_in, schedule_series
from bot.records.goals import create_goal
from bot.records.measures import GAS, ONS4_ITEMS, ONS4_VERSION, PROGRESS_SCALE, wellbeing_flags
from bot.records.people import get_or_create_address

NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def _goal(session, number: str, *, check_ins: bool):
    person = get_or_create_address(session, "sms", number).person
    keep = record_consent(session, person, KEEP_DATA, True, "keep?", "sms")
    goal = create_goal(session, person, keep, "Go to the choir")
    rows = []
    if check_ins:
        follow = record_consent(session, person, FOLLOW_UP, True, "text you later?", "sms")
        rows = schedule_series(session, goal, follow, "2_weeks", now=NOW)
    return person, goal, rows


def test_baseline_is_stored_per_item_with_instrument_and_version(session):
    person, goal, _ = _goal(session, "+447700900400", check_ins=True)
    rows = record_baseline(
        session,
        person,
        goal,
        {"life_satisfaction": 6, "worthwhile": "skip", "happy_yesterday": 0, "anxious_yesterday": 10},
    )
    assert [(r.item, r.value, r.skipped) for r in rows] == [
        ("life_satisfaction", 6, False),
        ("worthwhile", None, True),
        ("happy_yesterday", 0, False),
        ("anxious_yesterday", 10, False),
    ]
    assert {(r.instrument, r.instrument_version, r.timepoint, r.goal_id) for r in rows} == {
        ("ons4", ONS4_VERSION, "baseline", goal.id)
    }
    assert baseline_values(session, goal.id)["life_satisfaction"] == 6


def test_no_baseline_without_check_ins_because_it_could_never_be_paired(session):
    person, goal, _ = _goal(session, "+447700900401", check_ins=False)
    assert record_baseline(session, person, goal, {"life_satisfaction": 6}) == []
    assert session.query(WellbeingAnswer).count() == 0


def test_check_in_answers_are_tied_to_that_check_in_and_its_own_goal(session):
    person, choir, rows = _goal(session, "+447700900402", check_ins=True)
    keep = record_consent(session, person, KEEP_DATA, True, "keep?", "sms")
    later = create_goal(session, person, keep, "Sort out my gas bill")  # the newest goal
    record_check_in(
        session,
        rows[0],
        attended=True,
        progress="better",
        barrier=None,
        note="my sister came",
        keep_note=True,
        answers={"life_satisfaction": 8, "anxious_yesterday": 3},
    )
    session.flush()
    answered = session.get(FollowUp, rows[0].id)
    assert (answered.status, answered.attended, answered.progress, answered.progress_gas) == (
        "answered",
        True,
        "better",
        1,
    )
    assert answered.note == "my sister came"
    assert session.get(Goal, choir.id).status == "done" and session.get(Goal, later.id).status == "open"
    stored = session.query(WellbeingAnswer).filter_by(follow_up_id=rows[0].id).all()
    assert {(a.item, a.value, a.goal_id) for a in stored} == {
        ("life_satisfaction", 8, choir.id),
        ("anxious_yesterday", 3, choir.id),
    }
    assert [session.get(FollowUp, r.id).status for r in rows[1:]] == ["scheduled", "scheduled"]


def test_free_text_is_kept_only_with_consent(session):
    _, _, rows = _goal(session, "+447700900403", check_ins=True)
    record_check_in(
        session,
        rows[0],
        attended=False,
        progress="much_worse",
        barrier="distance",
        note="two buses",
        keep_note=False,
        answers={},
    )
    assert rows[0].note is None and rows[0].barrier == "distance" and rows[0].progress_gas == -2


def test_out_of_range_scores_are_refused(session):
    person, goal, _ = _goal(session, "+447700900404", check_ins=True)
    with pytest.raises(ValueError):
        record_baseline(session, person, goal, {"life_satisfaction": 11})


def test_gas_scale_runs_from_minus_two_to_plus_two_in_plain_words():
    assert [p.gas for p in PROGRESS_SCALE] == [2, 1, 0, -1, -2]
    assert GAS["as_hoped"] == 0
    assert [i.key for i in ONS4_ITEMS] == ["life_satisfaction", "worthwhile", "happy_yesterday", "anxious_yesterday"]


@pytest.mark.parametrize(
    ("answers", "baseline", "flags"),
    [
        ({"life_satisfaction": 7, "anxious_yesterday": 2}, {"life_satisfaction": 7}, []),
        ({"life_satisfaction": 5}, {"life_satisfaction": 8}, ["life_satisfaction_fell"]),
        ({"life_satisfaction": 6}, {"life_satisfaction": 8}, []),  # down 2: not a big drop
        ({"life_satisfaction": 4}, {}, ["low_life_satisfaction"]),
        ({"anxious_yesterday": 6}, {}, ["high_anxiety"]),
        ({"anxious_yesterday": 5, "life_satisfaction": None}, {"life_satisfaction": 9}, []),  # skipped: no flag
    ],
)
def test_wellbeing_flags(answers, baseline, flags):
    assert wellbeing_flags(answers, baseline) == flags
