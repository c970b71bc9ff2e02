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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

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
            if variant.get("buttons"):
                rendered["buttons"] = variant["buttons"]
            out.append(rendered)
        elif m.get("text"):
            out.append({"recipient_id": sender, "text": m["text"]})
        if m.get("custom"):
            out.append({"recipient_id": sender, "custom": m["custom"]})
    return out


@dataclass
class ActionRasa(httpx.AsyncBaseTransport):
    """Runs `actions[message]` (or nothing) for each message, as Rasa would."""

    actions: dict[str, Action]
    seen: list[str] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200, text="Hello from Rasa")
        body = json.loads(request.content)
        self.seen.append(body["message"])
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


class RecordingSender:
    channel = "sms"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, message: OutboundMessage, address: ChannelAddress) -> str:
        self.sent.append(message.body or "")
        return f"SM{len(self.sent)}"


@dataclass
class Dialogue:
    gateway: Gateway
    outbox: OutboxWorker
    sender: RecordingSender

    def text_in(self, number: str, text: str, provider_id: str) -> None:
        async def run() -> None:
            accepted = self.gateway.accept("sms", number, provider_id, text=text)
            await self.gateway.drain(accepted.address_id)
            while await self.outbox.send_due():
                pass

        asyncio.run(run())


def dialogue(database_url: str, actions: dict[str, Action], *, forget: list[str] | None = None) -> Dialogue:
    sessions = session_factory(database_url)
    sender = RecordingSender()
    outbox = OutboxWorker(sessions, {"sms": sender}, max_attempts=3)
    rasa = RasaClient("http://rasa.test", 5.0, transport=ActionRasa(actions))
    forgotten = forget if forget is not None else []
    gateway = Gateway(sessions, rasa, outbox, retry_seconds=0.1, rate_limit_per_minute=20,
                      forget_conversation=forgotten.append)
    return Dialogue(gateway, outbox, sender)
