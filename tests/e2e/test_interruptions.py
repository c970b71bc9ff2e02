"""Things people say in the middle of a question, end to end: answered, then the question again;
or, for start again, forget me, crisis and STOP, the end of what was going on."""

from __future__ import annotations

import pytest

from bot.policy import opt_out
from tests.e2e.records import kept_for, listed

pytestmark = pytest.mark.e2e

ASK_NEEDS = "What would make life a bit better"
ASK_NEEDS_AGAIN = "Tell me one thing you would like to do"  # the same question, not word for word


def test_help_and_are_you_a_bot_then_the_question_again(stack, phone):
    phone.say("hi")
    phone.say("yes")
    helped = phone.say("how does this work?")
    assert any("I can find local groups" in t for t in helped) and any(ASK_NEEDS_AGAIN in t for t in helped)
    bot = phone.say("am I talking to a robot")
    assert any("I am a computer" in t for t in bot) and any(ASK_NEEDS in t for t in bot)
    assert any("postcode" in t for t in phone.say("I want to get active"))


def test_two_misunderstandings_in_a_row_offer_a_person(stack, phone):
    phone.say("hi")
    phone.say("yes")
    first = phone.say("zxqv blorp")
    assert any("say it another way" in t for t in first)
    second = phone.say("qqqq wibble zonk")
    assert any("talk to a person" in t for t in second)


def test_start_again_in_the_middle_of_the_goal_keeps_consent_and_asks_what_matters(stack, phone):
    for text in ("hi", "yes", "I need help with money", "SR7 7AA"):
        phone.say(text)
    assert any("your own words" in t for t in phone.say("1"))
    again = phone.say("start again")
    assert any("start again" in t for t in again) and any(ASK_NEEDS in t for t in again)
    assert not any("keep what you tell me" in t for t in again)
    assert any("postcode" in t for t in phone.say("I want to get fit"))
    kept = kept_for(stack, phone)
    assert kept.goals == [] and [c.given for c in kept.consents] == [True]


def test_forget_me_in_the_middle_erases_what_was_kept(stack, phone):
    for text in ("hi", "yes", "I need help with money", "SR7 7AA", "1", "ok", "1", "5", "5", "5", "5"):  # four ONS4 answers
        phone.say(text)
    assert kept_for(stack, phone).goals
    gone = phone.say("please delete my data")
    assert any("deleted what I kept" in t for t in gone)
    kept = kept_for(stack, phone)
    assert kept.goals == [] and kept.consents == [] and kept.follow_ups == []
    assert any(e.completed_at is not None for e in kept.erasures)


def test_crisis_words_get_the_safety_message_and_an_urgent_flag(stack, phone):
    phone.say("hi")
    replies = phone.say("i dont want to be here anymore")
    assert any("999" in t and "116 123" in t and "85258" in t for t in replies)
    handoffs = kept_for(stack, phone).handoffs
    assert len(handoffs) == 1 and handoffs[0].urgent and handoffs[0].reason == "crisis"


def test_everyday_words_about_dying_are_not_a_crisis(stack, phone):
    phone.say("hi")
    phone.say("yes")
    replies = phone.say("I'm dying for a cuppa and a chat, my husband died last year")
    assert not any("116 123" in t for t in replies)
    assert not kept_for(stack, phone).handoffs


def test_asking_for_a_person_records_a_handoff(stack, phone):
    phone.say("hi")
    replies = phone.say("can I talk to a real person")
    assert any("link worker" in t for t in replies)
    handoffs = kept_for(stack, phone).handoffs
    assert len(handoffs) == 1 and handoffs[0].reason == "asked" and not handoffs[0].urgent


def test_stop_then_nothing_until_start(stack, phone):
    phone.say("hi")
    assert any("not get any more messages" in t for t in phone.say("STOP"))
    assert phone.say("hello?") == []
    assert any("Welcome back" in t for t in phone.say("START"))


def test_stop_in_words_is_confirmed_then_nothing_until_start(stack, phone):
    phone.say("hi")
    assert phone.say("please stop texting me") == [opt_out.OPTED_OUT]  # the dialogue's opt-out is confirmed
    assert kept_for(stack, phone).opted_out
    assert phone.say("hello?") == []
    assert any("Welcome back" in t for t in phone.say("START"))


def test_thanks_and_bye_after_the_matches(stack, phone):
    for text in ("hi", "no", "I need help with money", "SR7 7AA"):
        replies = phone.say(text)
    assert listed(replies)
    assert any("welcome" in t for t in phone.say("thanks"))
    assert any("Bye" in t for t in phone.say("bye"))
