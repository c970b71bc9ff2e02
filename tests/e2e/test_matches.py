"""Matches end to end: the question that helps choose, more, details, something different, and
what happens when nothing fits (widen by day or distance, or a person)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.records import kept_for, listed, options

pytestmark = pytest.mark.e2e


def start(phone, need: str, place: str) -> list[str]:
    phone.say("hi")
    phone.say("1")
    phone.say(need)
    return phone.say(place)


def test_a_day_that_fits_nothing_is_said_honestly_then_any_day_finds_some(stack, phone):
    assert any("anything I should know" in t for t in start(phone, "something creative like art", "SR2 8PN"))
    none = phone.say("sundays")
    assert any("at the times you said" in t for t in none)
    assert options(none)[0] == "Any day or time"
    assert "Talk to a person" in options(none)
    widened = phone.say("1")
    assert listed(widened)


def test_nothing_near_then_further_away(stack, phone):
    none = start(phone, "I'd love to do some painting or crafts", "SR7 7AA")
    assert any("could not find a group for that near you" in t for t in none)
    assert options(none) == ["Look further away", "Something different", "Talk to a person"]
    further = phone.say("1")
    shown = listed(further)
    assert shown
    miles = [float(m) for t in shown for m in re.findall(r"(\d+\.\d) miles away", t)]
    assert miles and max(miles) > 3.0  # beyond the usual 3 miles


def test_nothing_near_then_a_person(stack, phone):
    start(phone, "I'd love to do some painting or crafts", "SR7 7AA")
    replies = phone.say("3")
    assert any("link worker" in t for t in replies)
    handoff = kept_for(stack, phone).handoffs[0]
    assert handoff.reason == "asked" and handoff.context["needs"] == ["creative"]


def test_free_only_is_heard_and_every_match_is_free(stack, phone):
    start(phone, "i want to get fit", "SR1 3SD")
    matches = phone.say("it has to be free")
    shown = listed(matches)
    assert shown and all("free" in t.lower() for t in shown)


def test_more_details_and_something_different(stack, phone):
    start(phone, "I'd like to meet people", "SR2 8PN")
    first = listed(phone.say("no"))
    more = listed(phone.say("any more?"))
    assert more and not set(first) & set(more)
    name = more[1].split(") ", 1)[1].split(".", 1)[0]
    details = phone.say("tell me more about 2")
    assert details[0].startswith(name)
    assert options(details) == ["Yes, this one", "Show me more"]
    different = phone.say("something different")
    assert any("What else would you like to try?" in t for t in different)
    replies = phone.say("help with debt")
    assert listed(replies) or any("anything I should know" in t for t in replies)
