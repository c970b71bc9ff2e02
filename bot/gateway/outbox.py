"""The persistent outbox: replies are written here first, then sent with retries and backoff.

Modelled on GOV.UK Notify: each message has a status (queued, sent, delivered, undelivered,
failed, suppressed), delivery is retried with exponential backoff, and per-person order is kept
(a later message never overtakes an earlier one that is waiting to retry).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import registry
from bot.channels.base import ChannelSender, PermanentSendError, TransientSendError
from bot.logging_setup import log_event
from bot.models import ChannelAddress, OutboundMessage, utcnow
from bot.policy import crisis
from bot.policy.opt_out import may_send
from bot.statuses import MessageKind, OutboundStatus

SAFETY_BACKOFF_CAP = timedelta(seconds=60)  # a safety text is never given up: retried at least this often

__all__ = ["ChannelSender", "OutboxWorker", "PermanentSendError", "TransientSendError", "backoff", "enqueue"]


def enqueue(
    session: Session,
    address: ChannelAddress,
    body: str,
    *,
    kind: str = MessageKind.REPLY,
    options: list[dict[str, Any]] | None = None,
    in_reply_to: str | None = None,
) -> OutboundMessage:
    sequence = (session.scalar(select(func.max(OutboundMessage.sequence)).where(OutboundMessage.address_id == address.id)) or 0) + 1
    message = OutboundMessage(
        address_id=address.id, channel=address.channel, kind=kind, body=body, options=options or None,
        in_reply_to=in_reply_to, sequence=sequence,
    )
    count_segments = registry.capabilities(address.channel).count_segments
    if count_segments is not None:
        counted = count_segments(body)
        message.segments, message.encoding = counted.segments, counted.encoding
    session.add(message)
    session.flush()
    return message


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** attempts, 300))


class OutboxWorker:
    def __init__(self, sessions: sessionmaker[Session], senders: dict[str, ChannelSender], max_attempts: int) -> None:
        self._sessions = sessions
        self._senders = senders
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._stopping = False

    def notify(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            try:
                sent_any = await self.send_due()
            except Exception:  # keep the loop alive; the message stays queued
                log_event("outbox_loop_error", level=logging.ERROR)
                sent_any = False
            if not sent_any:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=0.5)
                except asyncio.TimeoutError:
                    pass
                self._wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def send_due(self) -> bool:
        """Send the oldest due message of each address; True if anything was attempted."""
        now = utcnow()
        with self._sessions() as session:
            queued = list(
                session.scalars(
                    select(OutboundMessage).where(OutboundMessage.status == OutboundStatus.QUEUED)
                    .order_by(OutboundMessage.sequence).limit(500)
                )
            )
            heads: dict[str, OutboundMessage] = {}
            for message in queued:
                heads.setdefault(message.address_id, message)
            due = [m.id for m in heads.values() if _aware(m.next_attempt_at) <= now]
        if not due:
            return False
        await asyncio.gather(*(self._send_one(message_id) for message_id in due))
        return True

    async def _send_one(self, message_id: str) -> None:
        with self._sessions() as session:
            message = session.get(OutboundMessage, message_id)
            if message is None or message.status != OutboundStatus.QUEUED:
                return
            address = session.get(ChannelAddress, message.address_id)
            if address is None:
                return
            if not may_send(address, message.kind):  # the opt-out rule: bot/policy/opt_out.py
                message.status = OutboundStatus.SUPPRESSED
                crisis.safety_not_delivered(session, message, enqueue=enqueue)  # flags safety texts only
                session.commit()
                log_event("outbound_suppressed", outbound_id=message.id, channel=message.channel)
                return
            sender = self._senders.get(message.channel)
            if sender is None:
                message.status = OutboundStatus.FAILED
                message.last_error = "no sender configured for this channel"
                session.commit()
                return
            # Never hold a database transaction across the network call: with SQLite a write lock
            # held while awaiting would stall every other writer in the process. The attempt is
            # recorded with its outcome, below.
            session.commit()
            error: Exception | None = None
            provider_id: str | None = None
            try:
                provider_id = await sender.send(message, address)
            except Exception as exc:  # transient unless it says otherwise: a crash must not lose the reply
                error = exc
            message.attempts += 1
            if error is None:
                delivered = registry.capabilities(message.channel).delivered_on_send
                message.status = OutboundStatus.DELIVERED if delivered else OutboundStatus.SENT
                message.provider_id = provider_id
                message.sent_at = utcnow()
            elif isinstance(error, PermanentSendError):
                message.status, message.last_error = OutboundStatus.FAILED, str(error)[:255]
                crisis.safety_not_delivered(session, message, enqueue=enqueue)  # flags safety texts only
            else:
                message.last_error = f"{type(error).__name__}: {error}"[:255]
                asked_wait = timedelta(seconds=float(getattr(error, "retry_after", 0) or 0))
                if message.kind == MessageKind.SAFETY:  # never given up; flagged once it has failed too long
                    wait = min(backoff(message.attempts), SAFETY_BACKOFF_CAP)
                    message.next_attempt_at = utcnow() + max(wait, asked_wait)
                    if crisis.failing_too_long(message):
                        crisis.safety_not_delivered(session, message, enqueue=enqueue)
                elif message.attempts >= self._max_attempts:
                    message.status = OutboundStatus.FAILED
                else:
                    message.next_attempt_at = utcnow() + max(backoff(message.attempts), asked_wait)
            session.commit()
            if error is None and provider_id:
                sender.after_sent(session, message)
                session.commit()
            log_event(
                "outbound_attempt", outbound_id=message.id, channel=message.channel, status=message.status,
                attempts=message.attempts, segments=message.segments,
            )


def _aware(value):  # type: ignore[no-untyped-def]
    """SQLite returns naive datetimes; everything we store is UTC."""
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
