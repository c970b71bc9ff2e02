"""When things are on, in plain words, and whether that suits the person."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from community_directory.schedules import describe, matching_sessions, read_schedule, read_schedules, wanted_days


def schedule(**fields: object) -> SimpleNamespace:
    base = {"freq": "WEEKLY", "interval": 1, "byday": None, "opens_at": None, "closes_at": None,
            "valid_from": None, "valid_to": None, "description": None}
    return SimpleNamespace(**{**base, **fields})


def test_weekly_sessions_read_as_residents_say_them() -> None:
    assert read_schedule(schedule(byday="TU", opens_at="10:00", closes_at="12:00")).label == "Tuesdays 10am-12pm"
    assert read_schedule(schedule(byday="WE,MO", opens_at="13:30:00", closes_at="15:00")).label == \
        "Mondays and Wednesdays 1:30pm-3pm"
    assert read_schedule(schedule(byday="MO,TU,WE,TH,FR", opens_at="09:00Z", closes_at="17:00Z")).label == \
        "Weekdays 9am-5pm"
    assert read_schedule(schedule(byday="TH", interval=2, opens_at="18:00", closes_at="19:30")).label == \
        "Every other Thursday 6pm-7:30pm"


def test_monthly_sessions() -> None:
    assert read_schedule(schedule(freq="MONTHLY", byday="1TU", opens_at="14:00", closes_at="16:00")).label == \
        "First Tuesday of the month 2pm-4pm"
    assert read_schedule(schedule(freq="MONTHLY", byday="-1FR", opens_at="10:00")).label == \
        "Last Friday of the month from 10am"


def test_expired_schedules_and_empty_ones_are_dropped() -> None:
    old = schedule(byday="TU", opens_at="10:00", valid_to=date(2020, 1, 1))
    assert read_schedule(old, today=date(2026, 1, 1)) is None
    assert read_schedule(schedule()) is None
    assert describe([], "Please ring for times") == "Please ring for times"
    assert describe([]) == "Ask them for times"


def test_day_words_from_the_bot() -> None:
    assert wanted_days(["weekend"]) == {"SA", "SU"}
    assert wanted_days(["weekdays", "saturday"]) == {"MO", "TU", "WE", "TH", "FR", "SA"}
    assert wanted_days(["someday"]) == set()


def test_sessions_fit_days_and_time_of_day() -> None:
    sessions = read_schedules([
        schedule(byday="TU", opens_at="10:00", closes_at="12:00"),
        schedule(byday="TH", opens_at="18:00", closes_at="20:00"),
    ])
    assert [s.short for s in matching_sessions(sessions, frozenset({"TU"}), "morning")] == ["Tuesdays 10am"]
    assert matching_sessions(sessions, frozenset({"TU"}), "afternoon") == []  # ends at noon
    assert [s.short for s in matching_sessions(sessions, frozenset(), "evening")] == ["Thursdays 6pm"]
    assert len(matching_sessions(sessions, frozenset(), None)) == 2
