"""Heard right, matched right (issue 15), end to end through the web chat, the real Rasa and actions.

Each test is one of the conversations residents actually had, asserting what a link worker would
expect them to see and what was kept.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.records import kept_for, listed

pytestmark = pytest.mark.e2e


def names(replies: list[str]) -> list[str]:
    """The listing names in a turn's numbered matches."""
    return [t.split(") ", 1)[1].split(".", 1)[0] for t in listed(replies)]


def matches_for(phone, need: str, place: str, *, consent: str = "yes") -> list[str]:
    """Start a conversation and return the replies that carry the matches (answering "no" if asked)."""
    phone.say("hi")
    phone.say(consent)
    replies = phone.say(need)
    if not listed(replies) and any("postcode" in t for t in replies):
        replies = phone.say(place)
    if any("anything I should know" in t for t in replies):
        replies = phone.say("no")
    return replies


def test_bereavement_groups_or_a_mens_shed_in_roker(stack, phone):
    shown = names(matches_for(phone, "any bereavement groups? or a mens shed", "roker"))
    assert shown and any(re.search(r"bereavement|men's shed", n, re.I) for n in shown), shown
    assert not any(re.search(r"baby|choir|young people|youth", n, re.I) for n in shown), shown
    assert "mental_wellbeing" in (kept_for(stack, phone).person.needs or [])


def test_not_a_carer_gets_no_carers_group_and_what_matters_is_kept_in_their_words(stack, phone):
    said = "im not a carer, i just want to get out the house and meet people"
    shown = names(matches_for(phone, said, "SR2 8JZ"))
    assert shown and not any("carer" in n.lower() for n in shown), shown
    person = kept_for(stack, phone).person
    assert "carers" not in (person.needs or []) and "loneliness" in person.needs
    assert person.what_matters == said


def test_lunch_club_for_dad_with_a_walker_is_no_dads_group_or_health_walk(stack, phone):
    replies = matches_for(phone, "lunch club for my dad hes 84 he lives in southwick, he uses a walker", "southwick")
    shown = names(replies)
    assert shown and any("lunch" in n.lower() for n in shown), shown
    assert not any(re.search(r"dads|walk", n, re.I) for n in shown), shown
    assert set(kept_for(stack, phone).person.needs or []) == {"loneliness"}


def test_closer_to_hendon_without_a_car_keeps_the_need_and_moves_closer(stack, phone):
    first = names(matches_for(phone, "knitting or crafts or owt like that", "silksworth"))
    assert first
    replies = phone.say("is there not owt closer to hendon? i dont drive")
    assert not any("What else would you like to try" in t for t in replies), replies
    assert any("Hendon" in t for t in replies), replies
    shown = listed(replies)
    assert shown, replies
    miles = [float(m) for t in shown for m in re.findall(r"(\d+\.\d) miles away", t)]
    assert miles and max(miles) <= 1.5, shown  # walking distance, since they do not drive
    assert kept_for(stack, phone).person.needs == ["creative"]


def test_who_is_this_gets_the_intro_and_the_consent_question(stack, phone):
    replies = phone.say("who is this")
    assert any("not a doctor" in t for t in replies), replies
    assert "keep what you tell me" in replies[-1], replies
    assert any("keep it safe" in t for t in phone.say("1"))


def test_ok_after_a_safety_message_is_answered_kindly(stack, phone):
    assert listed(matches_for(phone, "i want to meet people", "SR2 8PN"))
    safety = phone.say("i want to end my life")
    assert any("116 123" in t for t in safety)
    replies = phone.say("ok")
    assert any("I am here if you need me" in t for t in replies), replies
    assert not any("did not get that" in t for t in replies), replies


def test_when_will_they_ring_me_after_asking_for_a_person_is_answered(stack, phone):
    phone.say("hi")
    phone.say("yes")
    assert any("link worker" in t for t in phone.say("can someone ring me please"))
    replies = phone.say("when will they ring me")
    assert any("You are on the list" in t and "They work" in t for t in replies), replies
    assert len(kept_for(stack, phone).handoffs) == 1


def test_after_forget_me_the_web_chat_follows_the_new_conversation(stack, phone):
    matches_for(phone, "i want to meet people", "SR2 8PN")
    before = phone.seen
    gone = phone.say("forget me")
    assert any("deleted what I kept" in t for t in gone)
    # Numbering started again: the page is told, so it asks from the start instead of skipping.
    polled = phone.client.get("/chat/api/messages", params={"after": before}).json()
    assert polled["messages"] == [] and polled["latest"] < before
    hello = phone.say("hi")
    assert any("not a doctor" in t for t in hello)
    everything = phone.client.get("/chat/api/messages", params={"after": 0}).json()["messages"]
    ids = [m["id"] for m in everything]
    assert len(ids) == len(set(ids)) and any("not a doctor" in m["text"] for m in everything)


def test_the_second_one_sounds_good_but_is_it_free_is_told_what_it_costs(stack, phone):
    assert names(matches_for(phone, "yoga", "hendon"))
    replies = phone.say("the second one sounds good but is it free?")
    assert any("£" in t or "Free." in t for t in replies), replies  # every yoga near Hendon costs something


def test_an_afternoon_one_instead_of_mornings_changes_the_search(stack, phone):
    assert names(matches_for(phone, "health walks", "hendon"))
    replies = phone.say("can it be an afternoon one instead? i cant do mornings")
    shown = listed(replies)
    assert shown and not any("am-" in t for t in shown), shown


def test_a_kind_spelled_wrong_in_a_message_about_a_death_is_heard_not_met_with_sorry(stack, phone):
    phone.say("hi")
    phone.say("yes")
    replies = phone.say("lost me mam last month, is there a berevement group")
    assert not any(t.startswith("Sorry") for t in replies), replies
    if not listed(replies):
        replies = phone.say("thorney close")
    if any("anything I should know" in t for t in replies):
        replies = phone.say("no")
    shown = names(replies)
    assert shown and "bereavement" in shown[0].lower(), shown
    assert "mental_wellbeing" in (kept_for(stack, phone).person.needs or [])
