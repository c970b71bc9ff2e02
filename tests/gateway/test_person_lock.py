"""Per-person ordering held in the database: two gateways on one PostgreSQL act as two processes.

Each gateway has its own engine and pools (as two app processes would), its own advisory-lock
pool and its own outbox. The same person's messages, stored through both and drained by both at
once, must each reach the dialogue exactly once, in the order they arrived, with their answers
queued in that order.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.db import make_engine
from bot.dialogue.rasa_client import RasaReply
from bot.gateway.outbox import OutboxWorker
from bot.gateway.person_lock import PersonLocks, lock_key
from bot.gateway.processor import Gateway
from bot.models import InboundMessage, OutboundMessage


class SlowRasa:
    """Answers each text with its own words after a pause; records overlaps per conversation."""

    def __init__(self, calls: list[tuple[str, str]], active: dict[str, int], overlaps: list[str]) -> None:
        self.calls, self.active, self.overlaps = calls, active, overlaps

    async def send(self, conversation_id: str, message: str, metadata: dict[str, Any] | None = None) -> RasaReply:
        self.active[conversation_id] = self.active.get(conversation_id, 0) + 1
        if self.active[conversation_id] > 1:
            self.overlaps.append(conversation_id)
        self.calls.append((conversation_id, message))
        await asyncio.sleep(0.02)
        self.active[conversation_id] -= 1
        return RasaReply(messages=[{"text": f"re {message}"}], rasa_ms=20.0)

    async def is_ready(self) -> bool:
        return True


def _gateway(url: str, rasa: SlowRasa) -> tuple[Gateway, sessionmaker]:  # type: ignore[type-arg]
    sessions = sessionmaker(make_engine(url), expire_on_commit=False)  # a pool of its own: another process
    outbox = OutboxWorker(sessions, {}, max_attempts=3)
    gateway = Gateway(sessions, rasa, outbox, retry_seconds=0.05, rate_limit_per_minute=1000,  # type: ignore[arg-type]
                      person_locks=PersonLocks(url, max_held=4))
    return gateway, sessions


def test_lock_keys_are_stable_64_bit_numbers():
    assert lock_key("a") == lock_key("a") != lock_key("b")
    assert -(2**63) <= lock_key("a") < 2**63


def test_two_processes_draining_one_person_answer_each_text_once_in_order(postgres_url):
    calls: list[tuple[str, str]] = []
    active: dict[str, int] = {}
    overlaps: list[str] = []
    rasa = SlowRasa(calls, active, overlaps)  # both "processes" reach one dialogue engine
    (first, sessions), (second, _) = _gateway(postgres_url, rasa), _gateway(postgres_url, rasa)
    numbers = [f"+4477009{n:05d}" for n in range(6)]
    texts_per_person = 8

    async def scenario() -> None:
        drains = []
        for i in range(texts_per_person):
            for number in numbers:
                # Texts come in alternately through each process; each schedules a drain, and the
                # other process drains the same person too, as a sweeper would.
                here, there = (first, second) if i % 2 == 0 else (second, first)
                accepted = here.accept("sms", number, f"SM{number}-{i}", text=f"{number} text {i}")
                drains += [asyncio.create_task(here.drain(accepted.address_id)),
                           asyncio.create_task(there.drain(accepted.address_id))]
            await asyncio.sleep(0.005)
        await asyncio.gather(*drains)
        await asyncio.gather(first.sweep(), second.sweep())  # nothing left behind for the sweepers

    try:
        asyncio.run(scenario())
    finally:
        first.stop()
        second.stop()

    assert overlaps == []  # never two turns of one conversation at once
    with sessions() as session:
        assert session.scalars(select(InboundMessage.status)).all() == ["done"] * len(numbers) * texts_per_person
        for number in numbers:
            conversation_texts = [m for _, m in calls if m.startswith(number)]
            assert conversation_texts == [f"{number} text {i}" for i in range(texts_per_person)]  # once each, in order
            replies = session.scalars(
                select(OutboundMessage.body).join(InboundMessage, InboundMessage.id == OutboundMessage.in_reply_to)
                .where(InboundMessage.provider_id.like(f"SM{number}-%")).order_by(OutboundMessage.sequence)
            ).all()
            assert replies == [f"re {number} text {i}" for i in range(texts_per_person)]


def test_the_lock_is_released_when_a_drain_ends_and_held_meanwhile(postgres_url):
    here, there = PersonLocks(postgres_url, max_held=2), PersonLocks(postgres_url, max_held=2)

    async def scenario() -> list[bool]:
        seen = []
        async with here.hold("address-1") as held:
            seen.append(held)
            async with there.hold("address-1") as other:  # another process, tried once: it is taken
                seen.append(other)
            async with there.hold("address-2") as other:  # other people are not held up
                seen.append(other)
        async with there.hold("address-1") as other:  # released: the other process gets it
            seen.append(other)
        return seen

    try:
        assert asyncio.run(scenario()) == [True, False, True, True]
    finally:
        here.close()
        there.close()


def test_sqlite_keeps_the_in_process_lock(sqlite_url):
    locks = PersonLocks(sqlite_url)
    assert not locks.shared

    async def scenario() -> bool:
        async with locks.hold("address-1") as held:
            return held and locks.busy_here("address-1")

    assert asyncio.run(scenario())
