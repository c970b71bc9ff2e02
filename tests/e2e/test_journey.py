"""The resident journey end to end: web chat -> gateway -> real Rasa -> real actions -> directory.

Each test is one person's conversation, asserting what they would see and what was kept.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.models import WellbeingAnswer
from community_directory.models import Service
from tests.e2e.records import kept_for, listed, options

pytestmark = pytest.mark.e2e


def test_first_contact_says_who_we_are_and_asks_consent(stack, phone):
    intro = phone.say("hi")
    assert any("not a doctor" in t and "not for emergencies" in t for t in intro)
    assert "keep what you tell me" in intro[-1]
    assert options(intro) == ["Yes", "No"]


def test_consent_match_goal_in_own_words_read_back_and_baseline_wellbeing(stack, phone):
    phone.say("hi")
    after_consent = phone.say("1")
    assert any("keep it safe" in t for t in after_consent)
    assert any("What would make life a bit better" in t for t in after_consent)
    assert any("postcode" in t for t in phone.say("I'd like to get out walking"))

    # Lots of walking groups near SR2: the one question that helps choose is asked.
    assert any("anything I should know" in t for t in phone.say("SR2 8PN"))
    matches = phone.say("no")
    shown = listed(matches)
    assert 1 <= len(shown) <= 3
    with session_scope(stack.database_url) as session:
        names = {s.name for s in session.scalars(select(Service))}
    first_name = shown[0].split(") ", 1)[1].split(".", 1)[0]
    assert first_name in names
    assert "Reply with a number" in matches[-1]

    chosen = phone.say("1")
    assert any(first_name in t for t in chosen)
    assert any("your own words" in t and f"go to {first_name}" in t for t in chosen)

    read_back = phone.say("go every tuesday with my neighbour")
    assert "So your goal is: go every tuesday with my neighbour. Is that right?" in read_back[-1]
    again = phone.say("no")
    assert any("change it" in t for t in again) and any("your own words" in t for t in again)
    read_back = phone.say("Go on Tuesdays with Jean")
    assert "So your goal is: Go on Tuesdays with Jean." in read_back[-1]
    when = phone.say("yes")
    assert any("When suits you?" in t for t in when)
    assert options(when) == ["In 1 week", "In 2 weeks", "In a month", "No thanks"]
    # A check-in was agreed, so the four ONS wellbeing questions come now, one per message.
    first = phone.say("2")
    assert any("4 quick questions" in t for t in first)
    assert any("satisfied are you with your life nowadays" in t for t in first)
    assert any("worthwhile" in t for t in phone.say("6"))
    assert any("happy did you feel yesterday" in t for t in phone.say("7"))
    assert any("anxious did you feel yesterday" in t for t in phone.say("skip"))
    saved = phone.say("3")
    assert any("Your goal: Go on Tuesdays with Jean. I will text you in 2 weeks" in t for t in saved)

    kept = kept_for(stack, phone)
    assert [(c.purpose, c.given) for c in kept.consents] == [("keep_data", True), ("follow_up", True)]
    assert len(kept.goals) == 1 and kept.goals[0].text == "Go on Tuesdays with Jean"
    assert kept.goals[0].service_name == first_name
    assert sorted(f.sequence for f in kept.follow_ups) == [1, 2, 3]  # 2, 6 and 12 weeks
    assert {f.status for f in kept.follow_ups} == {"scheduled"}
    with session_scope(stack.database_url) as session:
        baseline = {a.item: (a.value, a.skipped) for a in session.scalars(
            select(WellbeingAnswer).where(WellbeingAnswer.goal_id == kept.goals[0].id))}
    assert baseline == {"life_satisfaction": (6, False), "worthwhile": (7, False), "happy_yesterday": (None, True),
                        "anxious_yesterday": (3, False)}
    # The check-in itself, weeks later, is in test_followups.py.


def test_ok_keeps_the_suggested_goal_and_no_check_in_means_none(stack, phone):
    for text in ("hi", "1", "I need help with money", "SR7 7AA"):
        replies = phone.say(text)
    assert listed(replies), "few money listings near SR7: shown straight away, no extra question"
    phone.say("1")
    when = phone.say("ok")
    assert not any("Is that right?" in t for t in when)
    assert any("When suits you?" in t for t in when)
    saved = phone.say("no thanks")
    assert any("Good luck" in t for t in saved), saved  # no check-in, so no wellbeing questions: nothing to compare
    assert not any("0 to 10" in t for t in saved)
    kept = kept_for(stack, phone)
    assert kept.goals[0].text.startswith("go to ")
    assert [(c.purpose, c.given) for c in kept.consents] == [("keep_data", True), ("follow_up", False)]
    assert kept.follow_ups == [] and kept.outcomes == []


def test_without_consent_matches_are_shown_but_nothing_is_kept(stack, phone):
    phone.say("hello")
    assert any("not keep anything" in t for t in phone.say("2"))
    phone.say("I'm lonely and want to meet people")
    phone.say("SR4 7AA")
    matches = phone.say("no")
    assert listed(matches)
    chosen = phone.say("1")
    assert any("have not kept" in t for t in chosen)
    assert not any("your own words" in t for t in chosen)
    kept = kept_for(stack, phone)
    assert [c.given for c in kept.consents] == [False]
    assert kept.goals == [] and kept.follow_ups == [] and kept.outcomes == []
    assert kept.person.postcode_district is None and kept.person.imd_decile is None


def test_several_needs_and_a_postcode_in_one_message_are_all_kept(stack, phone):
    phone.say("hi")
    phone.say("yes")
    replies = phone.say("im on my own all the time and skint, can't pay the gas bill. SR7 7AA")
    assert not any("postcode" in t for t in replies)  # the postcode in the same message was heard
    phone.say("can I talk to someone")
    kept = kept_for(stack, phone)
    assert set(kept.handoffs[0].context["needs"]) >= {"loneliness", "money"}
    assert kept.handoffs[0].context["area"] == "SR7 7AA"
    assert kept.person.imd_decile is not None  # kept with consent, for outcomes by decile
