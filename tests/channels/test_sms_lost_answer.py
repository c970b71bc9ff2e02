"""Twilio took the message but its answer was lost: the outbox asks Twilio before sending again.

The real sender (the `twilio` client) talks to the fake Twilio, which can accept a message and
then answer only after the client has given up, and lists sent messages as Twilio does.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select, update

from bot.channels.sms import TwilioSender
from bot.db import session_factory
from bot.gateway.outbox import OutboxWorker, enqueue
from bot.models import OutboundMessage, utcnow
from bot.records.people import get_or_create_address
from tests.channels.helpers import PUBLIC_URL, make_settings
from tests.fakes.twilio import FakeTwilio

RESIDENT = "+447700900777"


def _setup(fake: FakeTwilio, tmp_path: Path, database_url: str, *bodies: str) -> tuple[OutboxWorker, TwilioSender]:
    fake.reset()
    fake.public_url, fake.app_url = PUBLIC_URL, "http://127.0.0.1:9"  # status callbacks go nowhere here
    sessions = session_factory(database_url)
    with sessions() as session:
        address = get_or_create_address(session, "sms", RESIDENT)
        for body in bodies:
            enqueue(session, address, body)
        session.commit()
    sender = TwilioSender(make_settings(tmp_path, twilio_api_base=fake.url, twilio_timeout_seconds=0.5))
    return OutboxWorker(sessions, {"sms": sender}, max_attempts=5), sender


def _messages(database_url: str) -> list[OutboundMessage]:
    with session_factory(database_url)() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.sequence)))


def test_a_timeout_after_twilio_accepted_is_not_sent_again(fake_twilio: FakeTwilio, tmp_path: Path, database_url: str):
    worker, sender = _setup(fake_twilio, tmp_path, database_url, "Hello there.")
    fake_twilio.accept_then_stall(2.0)

    async def run() -> None:
        try:
            assert await worker.send_due()
            assert not await worker.send_due()  # nothing left to send
        finally:
            await sender.aclose()

    asyncio.run(run())
    [message] = _messages(database_url)
    [sms] = fake_twilio.sent
    assert fake_twilio.received(RESIDENT) == ["Hello there."]  # once
    assert (fake_twilio.requests, fake_twilio.list_requests) == (1, 1)  # one send, then one look
    assert (message.status, message.provider_id, message.attempts) == ("sent", sms.sid, 1)
    assert message.attempt_started_at is None and message.claimed_by is None


def test_the_same_words_sent_twice_on_purpose_are_told_apart(
    fake_twilio: FakeTwilio, tmp_path: Path, database_url: str,
) -> None:
    """The look finds both texts with these words; the one our other message owns is not this one."""
    worker, sender = _setup(fake_twilio, tmp_path, database_url, "Sorry, say that again?", "Sorry, say that again?")

    async def run() -> None:
        try:
            fake_twilio.accept_then_stall(2.0, after=1)
            # One round: the first, answered normally, then the second (leased as the first was
            # recorded): taken, answer lost, found.
            assert await worker.send_due()
            assert not await worker.send_due()
        finally:
            await sender.aclose()

    asyncio.run(run())
    first, second = _messages(database_url)
    assert [s.sid for s in fake_twilio.sent] == [first.provider_id, second.provider_id]
    assert first.provider_id != second.provider_id and second.status == "sent"


def test_a_lost_answer_twilio_never_acted_on_is_sent_again(fake_twilio: FakeTwilio, tmp_path: Path, database_url: str):
    """If the look finds nothing, the message is retried (after its backoff), and looked for first."""
    worker, sender = _setup(fake_twilio, tmp_path, database_url, "Are you still there?")
    fake_twilio.stall_without_accepting(2.0)

    async def run() -> None:
        try:
            assert await worker.send_due()  # the answer is lost, and Twilio has nothing
            [waiting] = _messages(database_url)
            assert (waiting.status, waiting.attempt_started_at is not None) == ("queued", True)
            with session_factory(database_url)() as session:
                session.execute(update(OutboundMessage).values(next_attempt_at=utcnow()))
                session.commit()
            assert await worker.send_due()
        finally:
            await sender.aclose()

    asyncio.run(run())
    [message] = _messages(database_url)
    assert fake_twilio.received(RESIDENT) == ["Are you still there?"]
    assert (fake_twilio.requests, fake_twilio.list_requests) == (2, 2)  # looked before the resend too
    assert (message.status, message.attempts) == ("sent", 2)


def test_a_refused_connection_is_retried_without_asking(fake_twilio: FakeTwilio, tmp_path: Path, database_url: str):
    worker, sender = _setup(fake_twilio, tmp_path, database_url, "Hello.")
    refused = TwilioSender(make_settings(tmp_path, twilio_api_base="http://127.0.0.1:9", twilio_timeout_seconds=0.5))
    worker._senders["sms"] = refused

    async def run() -> None:
        try:
            assert await worker.send_due()
        finally:
            await refused.aclose()
            await sender.aclose()

    asyncio.run(run())
    [message] = _messages(database_url)
    assert (message.status, message.attempt_started_at) == ("queued", None)  # nothing can have reached Twilio
    assert message.last_error == "TransientSendError: network: ConnectError"
    assert fake_twilio.list_requests == 0
