"""The actions that apply rules crossing processes (opt out, forget me, crisis), through the real
gateway and outbox: what the person receives, not only what the action returns."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions import common
from actions.support import ActionCrisis, ActionForgetMe, ActionOptOut, ActionRequestHuman
from bot.models import ChannelAddress, Handoff, Person
from bot.policy import crisis, opt_out
from tests.actions.dialogue import dialogue

NUMBER = "+447700900777"


@pytest.fixture(autouse=True)
def actions_use_the_test_database(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    common.database_url.cache_clear()
    common.working_hours.cache_clear()
    yield
    common.database_url.cache_clear()
    common.working_hours.cache_clear()


def test_stop_in_words_is_confirmed_to_the_person_and_then_nothing_more(database_url, session):
    talk = dialogue(database_url, {"please stop texting me": ActionOptOut()})
    talk.text_in(NUMBER, "hi", "SM-1")
    talk.text_in(NUMBER, "please stop texting me", "SM-2")
    assert talk.sender.sent == [opt_out.OPTED_OUT]  # the bug: this confirmation was suppressed, nothing was sent
    assert session.scalar(select(ChannelAddress).where(ChannelAddress.address == NUMBER)).opted_out
    talk.text_in(NUMBER, "hello?", "SM-3")
    assert talk.sender.sent == [opt_out.OPTED_OUT]  # nothing after it


def test_forget_me_asks_for_the_old_conversation_to_be_forgotten_explicitly(database_url, session):
    forgotten: list[str] = []
    talk = dialogue(database_url, {"forget me": ActionForgetMe()}, forget=forgotten)
    talk.text_in(NUMBER, "hi", "SM-1")
    before = session.scalar(select(Person)).conversation_id
    talk.text_in(NUMBER, "forget me", "SM-2")
    session.expire_all()
    assert forgotten == [before]
    assert "deleted what I kept" in talk.sender.sent[-1]
    # Once the confirmation has gone, so have the person and their number (bot/policy/erasure.py).
    assert session.scalar(select(Person)) is None and session.scalar(select(ChannelAddress)) is None


def test_the_dialogue_noticing_a_crisis_gets_the_same_response_as_the_gateway(database_url, session):
    talk = dialogue(database_url, {"everything is too much": ActionCrisis()})
    talk.text_in(NUMBER, "everything is too much", "SM-1")
    assert talk.sender.sent[0] == crisis.SAFETY_MESSAGE and len(talk.sender.sent) == 2
    handoff = session.scalar(select(Handoff))
    assert handoff.urgent and handoff.reason == "crisis" and handoff.context["words"] == ["everything is too much"]


def test_asking_for_a_person_is_told_the_configured_hours(database_url, monkeypatch):
    monkeypatch.setenv("WORKING_DAYS", "Mon-Thu")
    monkeypatch.setenv("WORKING_HOURS", "10:00-14:30")
    talk = dialogue(database_url, {"a person please": ActionRequestHuman()})
    talk.text_in(NUMBER, "a person please")
    assert talk.sender.sent[0] == (
        "OK. I have asked a link worker to get in touch. They work Mondays, Tuesdays, Wednesdays, Thursdays, "
        "10 to 2.30."
    )
    assert len(talk.sender.sent) == 1  # then share_form asks what the link worker may see (tests/e2e/test_privacy.py)
