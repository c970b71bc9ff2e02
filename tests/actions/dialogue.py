"""The real gateway and outbox, with the real actions standing where Rasa's policies would call them.

`ActionRasa` is an httpx transport for `RasaClient`: each message the gateway sends runs one
named action in-process (as Rasa's rules would pick it) and answers with the JSON Rasa's REST
channel would return (responses rendered from the domain, custom payloads as "custom"). So a
test sees what the person would receive, through the gateway's own reading of Rasa's reply and
the outbox's own rules, without starting Rasa.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.channels.base import ChannelSender
from bot.db import session_factory
from bot.dialogue.rasa_client import RasaClient
from bot.gateway.outbox import OutboxWorker
from bot.gateway.processor import Gateway
from bot.models import ChannelAddress, OutboundMessage

ROOT = Path(__file__).resolve().parents[2]


def domain() -> dict[str, Any]:
    merged: dict[str, Any] = {"responses": {}}
    for file in sorted((ROOT / "domain").glob("*.yml")):
        merged["responses"].update(yaml.safe_load(file.read_text()).get("responses") or {})
    return merged


def as_rest(sender: str, messages: list[dict[str, Any]], responses: dict[str, Any]) -> list[dict[str, Any]]:
    """What Rasa's REST channel returns for these dispatcher messages."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.get("response"):
            variant = responses[m["response"]][0]
            rendered = {"recipient_id": sender, "text": variant["text"]}
            if variant.get("buttons"):  # payloads as Rasa renders them: doubled braces stand for one
                rendered["buttons"] = [
                    {**b, "payload": b["payload"].replace("{{", "{").replace("}}", "}")} for b in variant["buttons"]
                ]
            out.append(rendered)
        elif m.get("text"):
            out.append({"recipient_id": sender, "text": m["text"]})
        if m.get("custom"):
            out.append({"recipient_id": sender, "custom": m["custom"]})
    return out


@dataclass
class ActionRasa(httpx.AsyncBaseTransport):
    """Runs `actions[message]` for each message, as Rasa would; else echoes it (if `echo`), or says nothing.
    `down` makes it refuse connections, as a killed Rasa does."""

    actions: dict[str, Action]
    echo: bool = False
    down: bool = False
    seen: list[str] = field(default_factory=list)
    metadata: list[dict] = field(default_factory=list)  # what the gateway sent with each message

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/":
            return httpx.Response(200, text="Hello from Rasa")
        body = json.loads(request.content)
        self.seen.append(body["message"])
        self.metadata.append(body.get("metadata") or {})
        if body["message"] not in self.actions and self.echo:
            return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": f"You said: {body['message']}"}])
        dispatcher = CollectingDispatcher()
        action = self.actions.get(body["message"])
        if action is not None:
            tracker = Tracker(
                sender_id=body["sender"], slots={},
                latest_message={"text": body["message"], "metadata": body["metadata"],
                                "intent": {"name": action.name()}},
                events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
            )
            await action.run(dispatcher, tracker, domain())
        return httpx.Response(200, json=as_rest(body["sender"], dispatcher.messages, domain()["responses"]))


class RecordingSender(ChannelSender):
    """Records what each address would receive; `failing` makes every send fail like a provider outage."""

    channel = "sms"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.to: list[tuple[str, str]] = []
        self.failing: Exception | None = None

    async def send(self, message: OutboundMessage, address: ChannelAddress) -> str:
        if self.failing is not None:
            raise self.failing
        self.sent.append(message.body or "")
        self.to.append((address.address, message.body or ""))
        return f"SM{len(self.sent)}"

    def received(self, number: str) -> list[str]:
        return [body for to, body in self.to if to == number]


@dataclass
class Dialogue:
    gateway: Gateway
    outbox: OutboxWorker
    sender: RecordingSender
    rasa: ActionRasa

    def text_in(self, number: str, text: str, provider_id: str | None = None, channel: str = "sms") -> None:
        """A message arrives (as a webhook hands it over), is handled, and the outbox sends what it can."""

        async def run() -> None:
            accepted = self.gateway.accept(channel, number, provider_id or f"SM{uuid.uuid4().hex}", text=text)
            await self.gateway.drain(accepted.address_id)
            await self._send_all()

        asyncio.run(run())

    def sweep(self) -> None:
        """What the sweeper does every few seconds (and at start-up)."""

        async def run() -> None:
            await self.gateway.sweep()
            await self._send_all()

        asyncio.run(run())

    async def _send_all(self) -> None:
        await self.outbox.finish_sending(timeout=5.0)  # a turn's first part, sent as it was queued
        for _ in range(20):  # a safety text being retried would otherwise loop for ever
            if not await self.outbox.send_due():
                return


def dialogue(database_url: str, actions: dict[str, Action] | None = None, *, forget: list[str] | None = None,
             echo: bool = False, rate_limit: int = 20, max_attempts: int = 3) -> Dialogue:
    sessions = session_factory(database_url)
    sender = RecordingSender()
    outbox = OutboxWorker(sessions, {"sms": sender}, max_attempts=max_attempts)  # web chat: read from the outbox
    transport = ActionRasa(actions or {}, echo=echo)
    rasa = RasaClient("http://rasa.test", 5.0, transport=transport)
    forgotten = forget if forget is not None else []
    gateway = Gateway(sessions, rasa, outbox, retry_seconds=0.1, rate_limit_per_minute=rate_limit,
                      forget_conversation=forgotten.append)
    return Dialogue(gateway, outbox, sender, transport)
