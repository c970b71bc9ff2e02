"""A slow Rasa is not a down Rasa: the person hears "one moment", and the turn is taken once.

Under a burst a turn can wait its turn and then take seconds at a busy Rasa. Before, the app gave
up after RASA_TIMEOUT_SECONDS and tried the turn again later, so an overloaded Rasa did the same
work twice and people waited minutes. Now the holding reply goes out after HOLDING_REPLY_SECONDS
while the app keeps waiting for the answer; the clock starts when the turn reaches Rasa.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.db import session_factory
from bot.dialogue.rasa_client import RasaReply
from bot.gateway import messages as texts
from bot.gateway.outbox import OutboxWorker
from bot.gateway.processor import Gateway
from bot.models import InboundMessage, OutboundMessage
from bot.statuses import InboundStatus, MessageKind


class PausingRasa:
    """Answers each text after `queued` seconds waiting its turn and `pause` seconds at Rasa."""

    def __init__(self, pause: float, queued: float = 0.0) -> None:
        self.pause, self.queued = pause, queued
        self.calls: list[str] = []
        self.answered = 0

    async def send(self, conversation_id: str, message: str, metadata: dict[str, Any] | None = None,
                   *, on_started: Callable[[], None] | None = None) -> RasaReply:
        await asyncio.sleep(self.queued)  # waiting its turn: no holding reply for that
        self.calls.append(message)
        if on_started is not None:
            on_started()
        await asyncio.sleep(self.pause)
        self.answered += 1
        return RasaReply(messages=[{"text": f"Here is what I found for {message}."}], rasa_ms=self.pause * 1000)

    async def is_ready(self) -> bool:
        return True


def _run(sqlite_url: str, pause: float, queued: float = 0.0) -> tuple[PausingRasa, list[tuple[str, str | None]], InboundMessage, bool]:
    sessions = session_factory(sqlite_url)
    rasa = PausingRasa(pause, queued)
    gateway = Gateway(sessions, rasa, OutboxWorker(sessions, {}, max_attempts=3), retry_seconds=0.05,  # type: ignore[arg-type]
                      rate_limit_per_minute=1000, holding_after_seconds=0.3)

    async def scenario() -> bool:
        accepted = gateway.accept("webchat", "web-visitor-9", "m1", text="walking groups")
        drain = asyncio.create_task(gateway.drain(accepted.address_id))
        # What a waiting web chat page sees: settled by the holding reply, before the answer.
        settled = await gateway.wait_settled(accepted.inbound_id, timeout=30)
        settled_early = settled and rasa.answered == 0
        await drain
        return settled_early

    settled_early = asyncio.run(scenario())
    with sessions() as session:
        sent = [(m.kind, m.body) for m in session.scalars(select(OutboundMessage).order_by(OutboundMessage.sequence))]
        inbound = session.scalars(select(InboundMessage)).one()
    return rasa, sent, inbound, settled_early


def test_a_slow_turn_gets_the_holding_reply_then_its_answer_and_is_taken_once(sqlite_url: str) -> None:
    rasa, sent, inbound, settled_early = _run(sqlite_url, pause=1.5)
    assert sent == [(MessageKind.HOLDING, texts.HOLDING), (MessageKind.REPLY, "Here is what I found for walking groups.")]
    assert rasa.calls == ["walking groups"]  # not given up on and taken again
    assert inbound.status == InboundStatus.DONE and inbound.attempts == 0
    assert settled_early  # the page shows the holding reply and polls for the answer


def test_a_quick_turn_gets_only_its_answer(sqlite_url: str) -> None:
    rasa, sent, inbound, _ = _run(sqlite_url, pause=0.01)
    assert sent == [(MessageKind.REPLY, "Here is what I found for walking groups.")]
    assert rasa.calls == ["walking groups"] and inbound.status == InboundStatus.DONE


def test_waiting_its_turn_in_a_burst_sends_no_holding_reply(sqlite_url: str) -> None:
    """In a burst every turn queues a while: a "one moment" text to everyone would double the texts
    sent when the service is busiest, so only time at Rasa counts."""
    _, sent, inbound, _ = _run(sqlite_url, pause=0.01, queued=1.0)
    assert sent == [(MessageKind.REPLY, "Here is what I found for walking groups.")]
    assert inbound.status == InboundStatus.DONE
