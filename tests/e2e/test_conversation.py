"""A resident's conversation through every layer: web chat -> gateway -> Rasa -> actions -> directory."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.models import ChannelAddress, Consent, FollowUp, Goal, Handoff, Outcome
from community_directory.models import Service

pytestmark = pytest.mark.e2e


def _person_records(stack, chat_cookie: str):
    with session_scope(stack.database_url) as session:
        address = session.scalar(select(ChannelAddress).where(ChannelAddress.address == chat_cookie))
        person_id = address.person_id
        consents = list(session.scalars(select(Consent).where(Consent.person_id == person_id)))
        goals = list(session.scalars(select(Goal).where(Goal.person_id == person_id)))
        follow_ups = list(session.scalars(select(FollowUp).where(FollowUp.person_id == person_id)))
        handoffs = list(session.scalars(select(Handoff).where(Handoff.person_id == person_id)))
        session.expunge_all()
    return consents, goals, follow_ups, handoffs


def test_walking_skeleton_conversation_finds_real_matches_and_records_consent_and_goal(stack, phone):
    intro = phone.say("hi")
    assert any("not for emergencies" in t for t in intro)
    assert "1 Yes" in intro[-1] and "2 No" in intro[-1]

    after_consent = phone.say("1")
    assert any("keep it safe" in t for t in after_consent)
    assert any("What would make life a bit better" in t for t in after_consent)

    ask_place = phone.say("I'd like to get out walking")
    assert any("postcode" in t for t in ask_place)

    matches = phone.say("SR2 8PN")
    listed = [t for t in matches if t[:2] in {"1)", "2)", "3)"}]
    assert 1 <= len(listed) <= 3
    with session_scope(stack.database_url) as session:
        names = {s.name for s in session.scalars(select(Service))}
    for text in listed:
        assert any(text.startswith(f"{n}) {name}") for name in names for n in (1, 2, 3)), text
    assert "Reply with a number" in matches[-1]
    first_name = listed[0].split(") ", 1)[1].split(".", 1)[0]

    chosen = phone.say("1")
    assert any(first_name in t for t in chosen)
    assert any("When suits you?" in t for t in chosen)

    score_question = phone.say("2")  # "In 2 weeks"
    assert any("From 0 to 10" in t for t in score_question)
    saved = phone.say("7")
    assert any("in 2 weeks" in t for t in saved)

    consents, goals, follow_ups, _ = _person_records(stack, phone.client.cookies["webchat_id"])
    keep = [c for c in consents if c.purpose == "keep_data"]
    assert len(keep) == 1 and keep[0].given
    assert len(goals) == 1 and goals[0].service_name == first_name and goals[0].consent_id == keep[0].id
    assert len(follow_ups) == 1
    with session_scope(stack.database_url) as session:
        start = session.scalars(select(Outcome).where(Outcome.goal_id == goals[0].id)).one()
        assert (start.kind, start.score) == ("wellbeing_start", 7)


def test_without_consent_matches_are_shown_but_nothing_is_kept(stack, phone):
    phone.say("hello")
    no = phone.say("2")
    assert any("not keep anything" in t for t in no)
    phone.say("I'm lonely and want to meet people")
    matches = phone.say("SR4 7AA")
    assert any(t.startswith("1) ") for t in matches)
    chosen = phone.say("1")
    assert any("have not kept" in t for t in chosen)
    consents, goals, follow_ups, _ = _person_records(stack, phone.client.cookies["webchat_id"])
    assert [c.given for c in consents] == [False]
    assert goals == [] and follow_ups == []


def test_crisis_message_gets_safety_reply_and_urgent_flag(stack, phone):
    replies = phone.say("i dont want to be here anymore")
    assert any("999" in t and "116 123" in t for t in replies)
    _, _, _, handoffs = _person_records(stack, phone.client.cookies["webchat_id"])
    assert len(handoffs) == 1 and handoffs[0].urgent and handoffs[0].reason == "crisis"


def test_asking_for_a_person_records_a_handoff(stack, phone):
    phone.say("hi")
    replies = phone.say("can I talk to a real person")
    assert any("link worker" in t for t in replies)
    _, _, _, handoffs = _person_records(stack, phone.client.cookies["webchat_id"])
    assert len(handoffs) == 1 and handoffs[0].reason == "asked" and not handoffs[0].urgent


def test_stop_then_nothing_until_start(stack, phone):
    phone.say("hi")
    assert any("not get any more messages" in t for t in phone.say("STOP"))
    assert phone.say("hello?") == []
    assert any("Welcome back" in t for t in phone.say("START"))


def test_check_in_weeks_later_records_what_changed(stack, phone):
    import asyncio

    from bot.db import session_factory
    from bot.followups import FollowUpScheduler
    from bot.gateway.rasa_client import RasaClient

    for text in ("hi", "1", "I want to join a choir", "SR4 7AA", "1", "1"):
        phone.say(text)
    phone.say("5")
    _, goals, follow_ups, _ = _person_records(stack, phone.client.cookies["webchat_id"])
    assert len(follow_ups) == 1

    async def send() -> int:
        rasa = RasaClient(stack.services["rasa"].url, 30)
        try:
            scheduler = FollowUpScheduler(session_factory(stack.database_url), rasa, interval_seconds=60)
            return await scheduler.send_due(today=follow_ups[0].due_on)
        finally:
            await rasa.close()

    assert asyncio.run(send()) == 1
    check_in = phone.wait_for_more(timeout=30)
    assert any("How did it go?" in t for t in check_in)
    assert any("1 Yes, I went" in t for t in check_in + phone.wait_for_more(timeout=3))
    assert any("From 0 to 10" in t for t in phone.say("1"))
    assert any("Thank you for telling me" in t for t in phone.say("8"))

    with session_scope(stack.database_url) as session:
        outcomes = {o.kind: o for o in session.scalars(select(Outcome).where(Outcome.goal_id == goals[0].id))}
        goal = session.get(Goal, goals[0].id)
        follow_up = session.get(FollowUp, follow_ups[0].id)
        assert outcomes["wellbeing_start"].score == 5 and outcomes["wellbeing_follow_up"].score == 8
        assert outcomes["goal_progress"].value == "done" and goal.status == "done"
        assert follow_up.status == "answered"
