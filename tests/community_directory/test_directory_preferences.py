"""Short SMS answers to "anything I should know?" are read, and the unrelated ones are not."""

from __future__ import annotations

import pytest

from community_directory.preferences import preferences_in_text


@pytest.mark.parametrize(
    ("text", "days", "time_of_day"),
    [
        ("tues or weds", ["tuesday", "wednesday"], None),
        ("Thursday mornings", ["thursday"], "morning"),
        ("only weekends", ["weekend"], None),
        ("monday to friday after work", ["weekdays"], "evening"),
        ("i work so evenings", [], "evening"),
        ("no", [], None),
    ],
)
def test_days_and_times(text, days, time_of_day):
    heard = preferences_in_text(text)
    assert heard.days == days
    assert heard.time_of_day == time_of_day


def test_free_and_access_needs():
    heard = preferences_in_text("has to be free, I use a wheelchair and I don't drive")
    assert heard.free_only
    assert heard.access == ["wheelchair", "no_transport"]
    assert heard.narrows


def test_any_day_is_an_answer_without_limits():
    heard = preferences_in_text("any day is fine")
    assert heard.any_time and not heard.narrows


def test_ordinary_words_are_not_read_as_days_or_money():
    heard = preferences_in_text("I just want to meet some people and feel better")
    assert not heard.narrows


@pytest.mark.parametrize(
    ("text", "time_of_day"),
    [
        ("can it be an afternoon one instead? i cant do mornings", "afternoon"),
        ("i dont go out at night, mornings pls", "morning"),
        ("not evenings, mornings are best", "morning"),
        ("i cant do mornings", "not_morning"),
        ("no problem, afternoons are good", "afternoon"),
    ],
)
def test_a_time_turned_down_is_not_the_time_wanted(text, time_of_day):
    assert preferences_in_text(text).time_of_day == time_of_day


@pytest.mark.parametrize(
    ("text", "time_of_day"),
    [
        ("it has to be in the daytime", "daytime"),
        ("i dont go out when its dark", "daytime"),
        ("during the day please", "daytime"),
        ("the buses are a nightmare", None),  # no night in a nightmare
        ("any coffee mornings near me", None),  # what, not when
        ("coffee mornings, but afternoons suit me", "afternoon"),
        ("evenings are the hardest", "evening"),
    ],
)
def test_daytime_and_words_that_only_look_like_times(text, time_of_day):
    assert preferences_in_text(text).time_of_day == time_of_day


def test_a_free_day_is_not_free_only():
    from community_directory.preferences import must_be_free

    assert not must_be_free("thats me only free day")
    assert not must_be_free("only free on mondays")
    assert must_be_free("only free ones please")


def test_daytime_keeps_sessions_before_the_evening():
    from datetime import time

    from community_directory.schedules import TIME_WINDOWS

    start, end = TIME_WINDOWS["daytime"]
    assert start <= time(14, 0) < end and not start <= time(18, 30) < end


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("not wednesdays, i have the grandbairns",
         ["monday", "tuesday", "thursday", "friday", "saturday", "sunday"]),
        ("any day but monday", ["tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]),
        ("cant do mondays or fridays", ["tuesday", "wednesday", "thursday", "saturday", "sunday"]),
        ("anything except weekends", ["monday", "tuesday", "wednesday", "thursday", "friday"]),
        ("i work weekdays so weekends only please", ["saturday", "sunday"]),
        ("saturdays but not sundays", ["saturday"]),
        ("tues or weds", ["tuesday", "wednesday"]),  # nothing turned down: as before
        ("monday to friday", ["weekdays"]),
    ],
)
def test_a_day_turned_down_leaves_the_other_days(text, days):
    assert preferences_in_text(text).days == days


def test_any_day_but_is_not_any_day():
    assert not preferences_in_text("any day but monday").any_time
    assert preferences_in_text("any day is fine").any_time


def test_no_evenings_is_the_daytime():
    assert preferences_in_text("no evenings").time_of_day == "daytime"
    assert preferences_in_text("not mornings").time_of_day == "not_morning"  # from midday on (issue 15 gap)


@pytest.mark.parametrize(
    ("text", "days", "time_of_day"),
    [
        # a refusal covers the days and times joined to it (issue 15: Monday was read as wanted)
        ("cant do nights or mondays", ["tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
         "daytime"),
        ("not mornings or fridays", ["monday", "tuesday", "wednesday", "thursday", "saturday", "sunday"],
         "not_morning"),
        ("cant do mornings or nights", None, "afternoon"),
        ("nothing in the morning", None, "not_morning"),
    ],
)
def test_a_refusal_covers_what_is_joined_to_it(text, days, time_of_day):
    heard = preferences_in_text(text)
    assert (heard.days or None, heard.time_of_day) == (days, time_of_day)


def test_not_mornings_keeps_afternoon_and_evening_sessions_only():
    from datetime import time

    from community_directory.schedules import TIME_WINDOWS

    start, end = TIME_WINDOWS["not_morning"]
    assert not start <= time(10, 0) < end
    assert start <= time(14, 0) < end and start <= time(19, 0) < end


@pytest.mark.parametrize(
    "text",
    ["i work till 5 so it would have to be after that", "has to be after 5 cos of work", "after 6pm",
     "i work days so it would have to be after 5", "not before 6", "i finish work at half 5"],
)
def test_after_the_working_day_is_the_evening(text: str) -> None:
    assert preferences_in_text(text).time_of_day == "evening"


@pytest.mark.parametrize("text", ["after 5 minutes", "after 5 years of this", "from 6 of us", "tea at 5",
                                  "retired from the council after 40 years", "i work till 55 probably"])
def test_a_number_that_is_no_time_of_day_sets_none(text: str) -> None:
    assert preferences_in_text(text).time_of_day is None


@pytest.mark.parametrize(
    ("text", "days", "time_of_day"),
    [
        ("a health walk, tuesdays, no wait i mean thursdays", ["thursday"], None),
        ("mondays, actually fridays", ["friday"], None),
        ("mornings, sorry, afternoons", [], "afternoon"),
        ("tuesdays and thursdays", ["tuesday", "thursday"], None),  # both, nothing taken back
    ],
)
def test_a_day_or_time_taken_back_at_once_is_not_wanted(text: str, days: list[str], time_of_day: str | None) -> None:
    heard = preferences_in_text(text)
    assert (heard.days, heard.time_of_day) == (days, time_of_day)
