"""The safety net end to end: every sign of risk answered and flagged, whatever else is happening.

Real app, Rasa and action server; residents text through the fake Twilio. The tests run in file
order: first those that need Rasa up (a rate limit, an opt-out, the opening of a conversation
that will continue after the outage), then Rasa is killed once for those that need it down, and
the last one restarts it and checks the conversation went on.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.gateway import messages as texts
from bot.models import ChannelAddress, Handoff, InboundMessage, OutboundMessage
from bot.policy import crisis, opt_out
from tests.channels.helpers import wait_for
from tests.e2e.conftest import SAFETY_ALERT_AFTER_SECONDS
from tests.e2e.records import listed

pytestmark = pytest.mark.e2e

AT_ONCE = 10.0  # seconds: "within seconds", with room for a loaded 2-core machine
WORRY = "I want to kill myself"
# Risk (abuse) and a request the dialogue can answer (loneliness, groups near me).
WORRY_AND_REQUEST = "my partner hits me and i am lonely, are there any groups near me"
RATE_LIMIT = 20  # the app's default RATE_LIMIT_PER_MINUTE

RATE_LIMITED, OPTED_OUT, PENDING, STOPPING, FAILING, CONTINUING = (f"+4477009{62000 + n:05d}" for n in range(6))


def _flag(stack, number: str) -> Handoff | None:
    with session_scope(stack.database_url) as session:
        address = session.scalar(select(ChannelAddress).where(ChannelAddress.address == number))
        handoff = session.scalar(select(Handoff).where(Handoff.person_id == address.person_id)) if address else None
        if handoff is not None:
            session.expunge(handoff)
        return handoff


def _texts_to(fake, number: str, count: int, timeout: float = AT_ONCE) -> list[str]:
    return wait_for(lambda: fake.received(number) if len(fake.received(number)) >= count else None, timeout,
                    f"{count} texts to {number}", interval=0.1)


def _say(fake, number: str, words: str, *expect: str, timeout: float = 120) -> list[str]:
    """Text in and wait for a reply containing one of `expect`; then a moment for the rest of the turn."""
    before = len(fake.received(number))
    assert fake.text_in(number, words).status_code == 200
    wait_for(lambda: any(e in t for t in fake.received(number)[before:] for e in expect), timeout,
             f"a reply with one of {expect!r}", interval=0.1)
    time.sleep(1.5)
    return fake.received(number)[before:]


def _inbound_status(stack, number: str, precheck: str) -> str | None:
    with session_scope(stack.database_url) as session:
        return session.scalar(select(InboundMessage.status).join(ChannelAddress).where(
            ChannelAddress.address == number, InboundMessage.precheck == precheck))


@pytest.fixture(scope="module")
def up(stack, model_path):
    """Rasa up (an earlier file may have restarted it); left up for the files that follow."""
    stack.wait_ready("rasa", timeout=300)
    yield stack
    if not stack.services["rasa"].is_running():
        stack.restart_rasa(model_path)
        stack.wait_ready("rasa", timeout=300)


def test_a_rate_limited_persons_crisis_text_is_answered(up, fake_twilio):
    for n in range(RATE_LIMIT + 1):
        assert fake_twilio.text_in(RATE_LIMITED, f"hello {n}").status_code == 200
    wait_for(lambda: texts.RATE_LIMITED in fake_twilio.received(RATE_LIMITED), 120, "the rate limit notice")
    fake_twilio.text_in(RATE_LIMITED, WORRY)
    wait_for(lambda: crisis.SAFETY_MESSAGE in fake_twilio.received(RATE_LIMITED), AT_ONCE, "the safety reply")
    flag = wait_for(lambda: _flag(up, RATE_LIMITED), AT_ONCE, "the flag")
    assert flag.urgent and flag.context["words"] == [WORRY]


def test_an_opted_out_persons_crisis_text_is_flagged_and_says_no_reply_could_be_sent(up, fake_twilio):
    _say(fake_twilio, OPTED_OUT, "STOP", "not get any more messages", timeout=AT_ONCE)
    fake_twilio.text_in(OPTED_OUT, WORRY)
    flag = wait_for(lambda: _flag(up, OPTED_OUT), AT_ONCE, "the flag")
    assert flag.urgent and flag.reason == "crisis" and flag.context["words"] == [WORRY]
    assert crisis.NOT_SENT_OPTED_OUT in flag.context["warnings"]
    time.sleep(1)
    assert fake_twilio.received(OPTED_OUT) == [opt_out.OPTED_OUT]  # carrier rules: nothing more by SMS


def test_a_safety_reply_the_provider_keeps_refusing_becomes_an_urgent_flag(up, fake_twilio):
    fake_twilio.fail_to(FAILING)  # Twilio answers 500 to every send to this number
    try:
        started = time.monotonic()
        fake_twilio.text_in(FAILING, WORRY)
        flag = wait_for(
            lambda: (f := _flag(up, FAILING)) and crisis.NOT_DELIVERED in f.context.get("warnings", []) and f,
            SAFETY_ALERT_AFTER_SECONDS + 30, "the flag saying the safety reply was not delivered")
        assert time.monotonic() - started >= SAFETY_ALERT_AFTER_SECONDS
        assert flag.urgent
        with session_scope(up.database_url) as session:
            address = session.scalar(select(ChannelAddress).where(ChannelAddress.address == FAILING))
            first = session.scalars(select(OutboundMessage).where(
                OutboundMessage.address_id == address.id, OutboundMessage.kind == "safety",
            ).order_by(OutboundMessage.sequence)).first()
            assert first.status == "queued" and first.escalated_at is not None  # flagged, and still trying
    finally:
        fake_twilio.deliver_to(FAILING)
    # Once the provider recovers, the safety reply still arrives (retries are capped at a minute).
    assert _texts_to(fake_twilio, FAILING, 1, timeout=90)[0] == crisis.SAFETY_MESSAGE


def test_opening_of_a_conversation_that_goes_on_after_the_outage(up, fake_twilio):
    _say(fake_twilio, CONTINUING, "hi", "1 Yes")
    _say(fake_twilio, CONTINUING, "1", "What would make life a bit better")


def test_while_rasa_is_down_a_crisis_text_behind_a_pending_message_is_answered_at_once(up, fake_twilio):
    up.kill("rasa")
    fake_twilio.text_in(PENDING, "hi")
    assert _texts_to(fake_twilio, PENDING, 1) == [texts.HOLDING]
    started = time.monotonic()
    fake_twilio.text_in(PENDING, WORRY)
    received = _texts_to(fake_twilio, PENDING, 3)
    assert received[1] == crisis.SAFETY_MESSAGE and "link worker" in received[2]
    assert time.monotonic() - started < AT_ONCE
    flag = wait_for(lambda: _flag(up, PENDING), AT_ONCE, "the flag")
    assert flag.urgent and flag.context["words"] == [WORRY]


def test_while_rasa_is_down_stop_is_honoured_at_once(up, fake_twilio):
    assert not up.services["rasa"].is_running()
    fake_twilio.text_in(STOPPING, "hello")
    assert _texts_to(fake_twilio, STOPPING, 1) == [texts.HOLDING]
    fake_twilio.text_in(STOPPING, "STOP")
    assert _texts_to(fake_twilio, STOPPING, 2)[1] == opt_out.OPTED_OUT
    with session_scope(up.database_url) as session:
        assert session.scalar(select(ChannelAddress).where(ChannelAddress.address == STOPPING)).opted_out


def test_a_worrying_request_gets_the_safety_reply_now_and_its_matches_once_rasa_is_back(up, fake_twilio, model_path):
    assert not up.services["rasa"].is_running()
    before = len(fake_twilio.received(CONTINUING))
    fake_twilio.text_in(CONTINUING, WORRY_AND_REQUEST)
    now = _texts_to(fake_twilio, CONTINUING, before + 2)[before:]
    assert now[0] == crisis.SAFETY_MESSAGE
    assert wait_for(lambda: _flag(up, CONTINUING), AT_ONCE, "the flag").urgent

    up.restart_rasa(model_path)
    up.wait_ready("rasa", timeout=300)
    wait_for(lambda: any("postcode" in t for t in fake_twilio.received(CONTINUING)[before + 2:]), 120,
             "the conversation to go on (the postcode question)")
    replies = _say(fake_twilio, CONTINUING, "SR2 8PN", "1)", "should know")
    if not listed(replies):  # the one question that can help choose, first
        replies = _say(fake_twilio, CONTINUING, "no", "1)")
    assert listed(replies)

    # And what waited behind the outage was handled: the pending "hi" answered, STOP's earlier
    # message went to the dialogue but its reply was not sent.
    wait_for(lambda: any("not for emergencies" in t or "1 Yes" in t for t in fake_twilio.received(PENDING)[3:]), 120,
             "the pending message answered")
    wait_for(lambda: _inbound_status(up, STOPPING, "clear") == "done", 60, "the message before STOP handled")
    time.sleep(1)
    assert fake_twilio.received(STOPPING) == [texts.HOLDING, opt_out.OPTED_OUT]
