"""A link worker holds a conversation: the real app, its gateway and outbox, fake Twilio and Rasa.

The bug this guards against: a resident's answer to a worker ("after 3 any day is good") went to
the bot, which replied with nonsense, and the worker never saw it.
"""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from bot.console.auth import create_user
from bot.gateway import messages as texts
from bot.models import Handoff, InboundMessage, OutboundMessage
from bot.policy.crisis import SAFETY_MESSAGE
from bot.policy.opt_out import OPTED_OUT
from bot.records.handoffs import request_handoff
from bot.statuses import HandoffStatus, InboundStatus, MessageKind
from tests.channels.helpers import RunningApp, wait_for
from tests.fakes.rasa import FakeRasa
from tests.fakes.twilio import FakeTwilio

RESIDENT = "+447700900321"


def _worker(app: RunningApp, name: str = "sam") -> httpx.Client:
    with app.sessions() as s:
        create_user(s, name, "a-long-password", "link_worker")
        s.commit()
    client = httpx.Client(base_url=app.url, follow_redirects=True, timeout=20)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/login").text).group(1)  # type: ignore[union-attr]
    client.post("/console/login", data={"username": name, "password": "a-long-password", "csrf": token})
    return client


def _csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text[-2000:]
    found = re.search(r'name="csrf" value="([^"]+)"|logout\?csrf=([^"&]+)"', page.text)
    assert found, page.text[-3000:]
    return found.group(1) or found.group(2)


def _handoff_for(app: RunningApp, number: str) -> str:
    address = wait_for(lambda: app.address("sms", number), what="the address")
    with app.sessions() as s:
        handoff = request_handoff(s, address.person_id, "asked", context={"consent": False})
        s.commit()
        return handoff.id


def _held(app: RunningApp) -> list[InboundMessage]:
    with app.sessions() as s:
        return list(s.scalars(select(InboundMessage).where(InboundMessage.status == InboundStatus.HELD)
                              .order_by(InboundMessage.received_at)))


def test_held_messages_reach_the_worker_not_rasa_and_hand_back_resumes_the_bot(
    app: RunningApp, fake_twilio: FakeTwilio, fake_rasa: FakeRasa,
) -> None:
    fake_twilio.text_in(RESIDENT, "hi")
    wait_for(lambda: fake_twilio.received(RESIDENT), what="the greeting")
    handoff_id = _handoff_for(app, RESIDENT)
    sam = _worker(app)
    token = _csrf(sam, "/console/handoffs")
    assert "claimed this handoff" in sam.post(f"/console/handoffs/{handoff_id}/claim", data={"csrf": token}).text

    fake_twilio.text_in(RESIDENT, "after 3 any day is good")
    told = wait_for(lambda: fake_twilio.received(RESIDENT)[1:], what="the notice")
    fake_twilio.text_in(RESIDENT, "or Saturday morning")
    wait_for(lambda: len(_held(app)) == 2, what="both messages held")
    app.quiet()

    assert told == [texts.PERSON_REPLYING]  # told once, not per message
    assert len(fake_twilio.received(RESIDENT)) == 2
    assert fake_rasa.messages() == ["hi"]  # the bot never saw them
    assert [m.text for m in _held(app)] == ["after 3 any day is good", "or Saturday morning"]  # kept, not cleared
    page = sam.get(f"/console/handoffs/{handoff_id}").text
    assert "after 3 any day is good" in page and "or Saturday morning" in page

    reply = sam.post(f"/console/handoffs/{handoff_id}/reply",
                     data={"message": "Great, I will ring at 3pm.", "csrf": token})
    assert "in the outbox" in reply.text
    wait_for(lambda: "Great, I will ring at 3pm." in fake_twilio.received(RESIDENT), what="the worker's reply")
    with app.sessions() as s:
        assert s.get(Handoff, handoff_id).status == HandoffStatus.IN_CONVERSATION  # type: ignore[union-attr]
        human = s.scalar(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.HUMAN))
        assert human is not None and human.channel == "sms"  # the person's own channel
    # The live conversation shows the delivery receipt fake Twilio calls back with.
    wait_for(lambda: "Delivered" in sam.get(f"/console/live/handoffs/{handoff_id}").text, what="the receipt")

    sam.post(f"/console/handoffs/{handoff_id}/hand-back", data={"csrf": token})
    wait_for(lambda: texts.BACK_WITH_BOT in fake_twilio.received(RESIDENT), what="the hand-back notice")
    fake_twilio.text_in(RESIDENT, "hi")
    wait_for(lambda: fake_rasa.messages() == ["hi", "hi"], what="the bot to answer again")
    with app.sessions() as s:
        assert s.get(Handoff, handoff_id).status == HandoffStatus.HANDED_BACK  # type: ignore[union-attr]


def test_safety_checks_run_before_the_hold(app: RunningApp, fake_twilio: FakeTwilio, fake_rasa: FakeRasa) -> None:
    fake_twilio.text_in(RESIDENT, "hi")
    wait_for(lambda: fake_twilio.received(RESIDENT), what="the greeting")
    handoff_id = _handoff_for(app, RESIDENT)
    sam = _worker(app)
    sam.post(f"/console/handoffs/{handoff_id}/claim", data={"csrf": _csrf(sam, "/console/handoffs")})

    fake_twilio.text_in(RESIDENT, "i want to kill myself")
    wait_for(lambda: any(SAFETY_MESSAGE in m for m in fake_twilio.received(RESIDENT)), what="the safety message")
    app.quiet()
    with app.sessions() as s:
        handoff = s.get(Handoff, handoff_id)
        assert handoff is not None and handoff.urgent and handoff.context["words"] == ["i want to kill myself"]
    assert "i want to kill myself" in sam.get(f"/console/handoffs/{handoff_id}").text  # a human reads it

    fake_twilio.text_in(RESIDENT, "STOP")
    wait_for(lambda: OPTED_OUT in fake_twilio.received(RESIDENT), what="the opt-out confirmation")
    page = sam.post(f"/console/handoffs/{handoff_id}/reply",
                    data={"message": "Are you OK?", "csrf": _csrf(sam, f"/console/handoffs/{handoff_id}")}).text
    assert "Not sent: this person has opted out" in page
    assert "Not sent: opted out" in page  # the message's own status, not "sent"
    app.quiet()
    assert "Are you OK?" not in fake_twilio.received(RESIDENT)
    assert fake_rasa.messages() == ["hi"]


def test_a_second_worker_is_told_who_has_it(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    fake_twilio.text_in(RESIDENT, "hi")
    handoff_id = _handoff_for(app, RESIDENT)
    sam, alex = _worker(app, "sam"), _worker(app, "alex")
    sam.post(f"/console/handoffs/{handoff_id}/claim", data={"csrf": _csrf(sam, "/console/handoffs")})
    second = alex.post(f"/console/handoffs/{handoff_id}/claim", data={"csrf": _csrf(alex, "/console/handoffs")})
    assert "sam has already claimed this handoff." in second.text
    refused = alex.post(f"/console/handoffs/{handoff_id}/reply",
                        data={"message": "Hello", "csrf": _csrf(alex, f"/console/handoffs/{handoff_id}")})
    assert refused.status_code == 400 and "sam holds this conversation" in refused.text
    with app.sessions() as s:
        assert s.get(Handoff, handoff_id).claimed_by == "sam"  # type: ignore[union-attr]
