"""When the outbox worker's own loop looks for messages to send (a claim round), and when it need not.

A web chat turn queues only web chat messages, which the outbox settles without a claim; a claim
round then costs the turn database work for nothing. But skipping one must never hold back a text
that another channel is waiting for: one queued by this process is claimed in the very next round,
and anything else (a retry falling due, another process's message) within CLAIM_LOOK_SECONDS.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.orm import sessionmaker

from bot.db import session_factory
from bot.gateway import outbox
from bot.gateway.outbox import OutboxWorker, enqueue
from bot.models import OutboundMessage, utcnow
from bot.records.people import get_or_create_address
from bot.statuses import OutboundStatus
from tests.gateway.test_outbox_leases import RecordingSender


class CountingWorker(OutboxWorker):
    def __init__(self, sessions: sessionmaker, sender: RecordingSender) -> None:  # type: ignore[type-arg]
        super().__init__(sessions, {"sms": sender}, max_attempts=3)
        self.claim_rounds = 0

    def claim_due(self, limit: int = outbox.BATCH) -> list[tuple[str, str, object]]:  # type: ignore[override]
        self.claim_rounds += 1
        return super().claim_due(limit)  # type: ignore[return-value]


def _queue(sessions: sessionmaker, channel: str, number: str, body: str) -> None:  # type: ignore[type-arg]
    with sessions() as session:
        enqueue(session, get_or_create_address(session, channel, number), body)
        session.commit()


@pytest.fixture(autouse=True)
def _long_look_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    """A look interval no slow machine outlasts between two steps of a test (a CI run once took more
    than the real 0.5 s between two rounds, and the second round rightly looked)."""
    monkeypatch.setattr(outbox, "CLAIM_LOOK_SECONDS", 600.0)


def test_a_web_chat_reply_costs_no_claim_round_but_a_text_is_claimed_at_once(sqlite_url: str) -> None:
    sessions = session_factory(sqlite_url)
    sender = RecordingSender()
    worker = CountingWorker(sessions, sender)
    assert not asyncio.run(worker.send_due(always_claim=False))  # an empty round: nothing queued
    rounds = worker.claim_rounds

    _queue(sessions, "webchat", "web-visitor-1", "Hello there.")
    assert asyncio.run(worker.send_due(always_claim=False))  # settled for the page to read
    assert worker.claim_rounds == rounds  # and no claim round was spent on it

    _queue(sessions, "sms", "+447700900501", "Your text reply")
    assert asyncio.run(worker.send_due(always_claim=False))
    assert sender.sent == ["Your text reply"]  # not held back until the next look


def test_a_retry_that_falls_due_is_still_found_by_the_next_look(sqlite_url: str) -> None:
    sessions = session_factory(sqlite_url)
    sender = RecordingSender()
    worker = CountingWorker(sessions, sender)
    with sessions() as session:
        message = enqueue(session, get_or_create_address(session, "sms", "+447700900502"), "Try again later")
        message.next_attempt_at = utcnow() + timedelta(hours=1)
        session.commit()
        message_id = message.id
    assert not asyncio.run(worker.send_due(always_claim=False))  # not due yet
    with sessions() as session:
        session.get(OutboundMessage, message_id).next_attempt_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
        session.commit()
    assert not asyncio.run(worker.send_due(always_claim=False))  # within the look interval: skipped
    worker._next_claim_look -= outbox.CLAIM_LOOK_SECONDS  # noqa: SLF001 - as if the interval had passed
    assert asyncio.run(worker.send_due(always_claim=False))
    assert sender.sent == ["Try again later"]
    with sessions() as session:
        assert session.get(OutboundMessage, message_id).status == OutboundStatus.SENT  # type: ignore[union-attr]
