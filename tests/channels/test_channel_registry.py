"""A channel added by registration alone: toy "loopback" channels defined in this test reach the
gateway through their own webhook and get the dialogue's replies from their own sender, through
the real app, gateway and outbox, none of which is edited or told about them.

Two toys with opposite capabilities show that the capabilities, not channel names, decide how
replies are rendered (buttons or numbered text), whether segments are counted, and whether a
send counts as delivered.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.channels import registry
from bot.channels.base import Capabilities, ChannelDefinition, ChannelSender
from bot.config import Settings
from bot.models import ChannelAddress, OutboundMessage
from bot.statuses import Channel, OutboundStatus
from bot.text.sms_text import count_segments
from tests.channels.helpers import RunningApp, wait_for
from tests.fakes.rasa import GREETING, FakeRasa
from tests.fakes.server import ThreadedServer

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Loopback:
    """One toy channel: what its sender was asked to send, and what `after_sent` saw."""

    definition: ChannelDefinition
    sent: list[tuple[str, str, list[dict[str, Any]] | None]] = field(default_factory=list)
    after_sent: list[str] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)


class InboundBody(BaseModel):
    sender: str
    id: str
    text: str


def make_loopback(name: str, capabilities: Capabilities) -> Loopback:
    """A channel module in miniature: webhook routes, a sender, capabilities."""
    router = APIRouter()
    box: dict[str, Loopback] = {}

    @router.post(f"/{name}/inbound")
    async def inbound(body: InboundBody, request: Request) -> dict[str, bool]:
        gateway = request.app.state.gateway
        accepted = gateway.accept(name, body.sender, body.id, text=body.text)
        if not accepted.duplicate:
            gateway.schedule(accepted.address_id)
        return {"duplicate": accepted.duplicate}

    class LoopbackSender(ChannelSender):
        channel = name

        def __init__(self, settings: Settings) -> None:
            self._count = 0

        async def send(self, message: OutboundMessage, address: ChannelAddress) -> str | None:
            self._count += 1
            box["it"].sent.append((address.address, message.body or "", message.options))
            return f"{name}-{self._count}"

        def after_sent(self, session: Session, message: OutboundMessage) -> None:
            box["it"].after_sent.append(str(message.provider_id))

        async def aclose(self) -> None:
            box["it"].closed.set()

    definition = ChannelDefinition(name=name, router=router, make_sender=LoopbackSender, capabilities=capabilities)
    loopback = Loopback(definition)
    box["it"] = loopback
    return loopback


BUTTONS = make_loopback("loopback", Capabilities(numbered_options=False))
NUMBERED = make_loopback(
    "loopback_text", Capabilities(numbered_options=True, count_segments=count_segments, delivered_on_send=True),
)


@pytest.fixture(autouse=True)
def toy_channels() -> Iterator[None]:
    """Registered before the app fixture builds the app (autouse fixtures come first)."""
    for toy in (BUTTONS, NUMBERED):
        toy.sent.clear()
        toy.after_sent.clear()
        toy.closed.clear()
        registry.register(toy.definition)
    try:
        yield
    finally:
        for toy in (BUTTONS, NUMBERED):
            registry.unregister(toy.definition.name)


def _say(app: RunningApp, channel: str, text: str, message_id: str) -> None:
    body = {"sender": "toy-person-1", "id": message_id, "text": text}
    response = httpx.post(f"{app.url}/{channel}/inbound", json=body)
    assert response.status_code == 200, response.text


def test_a_registered_channel_gets_the_dialogue_reply_as_buttons_through_its_own_sender(
    app: RunningApp, fake_rasa: FakeRasa,
) -> None:
    _say(app, "loopback", "hi", "m1")

    sent = wait_for(lambda: BUTTONS.sent, what="the loopback sender to be called")
    app.quiet()
    assert fake_rasa.messages() == ["hi"]
    address, body, options = sent[0]
    assert (address, body) == ("toy-person-1", GREETING["text"])  # no numbers added: buttons
    assert [o["title"] for o in options or []] == ["Meeting people", "Getting active"]
    [stored] = app.outbound("loopback")
    assert (stored.status, stored.provider_id, stored.segments) == (OutboundStatus.SENT, "loopback-1", None)
    assert BUTTONS.after_sent == ["loopback-1"]  # the interface's hook, called once the id was saved
    assert NUMBERED.sent == []


def test_capabilities_decide_numbered_text_segments_and_delivery_on_send(app: RunningApp, fake_rasa: FakeRasa) -> None:
    _say(app, "loopback_text", "hi", "m1")

    sent = wait_for(lambda: NUMBERED.sent, what="the numbered loopback sender to be called")
    app.quiet()
    _, body, options = sent[0]
    assert body == f"{GREETING['text']}\n1 Meeting people\n2 Getting active"
    assert options  # kept on the message, so a reply of "2" maps back to the offer
    [stored] = app.outbound("loopback_text")
    assert stored.status == OutboundStatus.DELIVERED
    assert stored.segments == count_segments(body).segments

    _say(app, "loopback_text", "2", "m2")  # the number picks the second option's payload
    wait_for(lambda: len(fake_rasa.messages()) == 2, what="the reply to reach the dialogue")
    assert fake_rasa.messages()[1] == '/choose_need{"need": "physical_activity"}'  # "Getting active"


def test_a_channel_the_settings_leave_off_gets_no_sender(app: RunningApp, monkeypatch: pytest.MonkeyPatch) -> None:
    off = ChannelDefinition(
        name="loopback_off", router=APIRouter(), make_sender=lambda settings: pytest.fail("built a sender"),
        capabilities=Capabilities(), enabled=lambda settings: False,
    )
    registry.register(off)
    try:
        senders = registry.build_senders(app.settings)
    finally:
        registry.unregister("loopback_off")
    assert "loopback_off" not in senders
    assert {"loopback", "loopback_text", Channel.WEBCHAT} <= set(senders)


def test_the_app_closes_the_senders_it_built_when_it_stops(app: RunningApp) -> None:
    server = ThreadedServer(create_app(app.settings)).start()  # a second app on the same database
    server.stop()
    assert BUTTONS.closed.is_set() and NUMBERED.closed.is_set()


def test_one_name_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError):
        registry.register(BUTTONS.definition)


# -- no channel named outside bot/channels/ ---------------------------------------------------
# The python-telegram-bot library's logger is named "telegram": a library, not our channel.
_ALLOWED = {("bot/logging_setup.py", "telegram")}


def test_no_code_outside_bot_channels_names_a_channel() -> None:
    names, members = set(Channel.values()), set(Channel.__members__)
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("bot/channels/") or rel == "bot/statuses.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in names and (rel, node.value) not in _ALLOWED:
                found.append(f"{rel}:{node.lineno} {node.value!r}")
            channel_enum = isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "Channel"
            if isinstance(node, ast.Attribute) and channel_enum and node.attr in members:
                found.append(f"{rel}:{node.lineno} Channel.{node.attr}")
    assert found == []
