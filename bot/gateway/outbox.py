"""The persistent outbox: replies are written here first, then sent with retries and backoff.

Modelled on GOV.UK Notify: each message has a status (queued, sent, delivered, undelivered,
failed, suppressed), delivery is retried with exponential backoff, and per-person order is kept
(a later message never overtakes an earlier one that is waiting to retry).

Several application processes can share one outbox: each message is sent by the process that
holds its lease (`claimed_by`, `lease_until`); a crashed process's messages are taken over once
their lease expires. An attempt whose outcome is unknown (the process died mid-send, or the
provider's answer was lost after the request went out) is remembered in `attempt_started_at`,
and the next attempt asks the provider whether it already has the message before sending again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.channels import registry
from bot.channels.base import ChannelSender, PermanentSendError, TransientSendError, UnconfirmedSendError
from bot.jobs.leases import PROCESS_ID
from bot.logging_setup import log_event
from bot.models import ChannelAddress, OutboundMessage, utcnow
from bot.policy import crisis, erasure
from bot.policy.opt_out import may_send
from bot.statuses import MessageKind, OutboundStatus

SAFETY_BACKOFF_CAP = timedelta(seconds=60)  # a safety text is never given up: retried at least this often

__all__ = ["ChannelSender", "OutboxWorker", "PermanentSendError", "TransientSendError", "backoff", "enqueue", "enqueue_all"]
# How long a claimed message is this process's to send (OUTBOX_LEASE_SECONDS). Longer than any one
# send (Twilio's client times out at 15 s; Telegram's pacing waits seconds), so a lease only runs
# out when its holder died.
LEASE = timedelta(minutes=2)
# Messages claimed (and sent concurrently) per round. Small enough that a round's database work,
# done one message after another on the event loop, ends well within the lease on a loaded machine.
BATCH = 64
# Messages for channels that read the outbox themselves (web chat) are looked for when this
# process has queued one (`_LOCAL_WAITING`), and at least this often whatever it did (another
# process's, or ones left from before a restart).
LOCAL_LOOK_SECONDS = 5.0
_LOCAL_WAITING = threading.Event()
_LOCAL_WAITING.set()
# The other channels' due messages are claimed when this process has queued one (`_SEND_WAITING`),
# after a round that claimed something (the next part of a reply is now its address's head), and
# at least this often whatever happened (retries falling due, other processes' messages). So a web
# chat turn, which queues only web chat messages, costs no claim round.
CLAIM_LOOK_SECONDS = 0.5
_SEND_WAITING = threading.Event()
_SEND_WAITING.set()
# Clock slack when asking a provider what it accepted since an attempt began.
FIND_SENT_SLACK = timedelta(minutes=1)


# Built once: every reply queued asks it.
_LAST_SEQUENCE = select(func.max(OutboundMessage.sequence)).where(OutboundMessage.address_id == bindparam("address_id"))


def enqueue(
    session: Session,
    address: ChannelAddress,
    body: str,
    *,
    kind: str = MessageKind.REPLY,
    options: list[dict[str, Any]] | None = None,
    in_reply_to: str | None = None,
) -> OutboundMessage:
    return enqueue_all(session, address, [(body, options)], kind=kind, in_reply_to=in_reply_to)[0]


def enqueue_all(
    session: Session,
    address: ChannelAddress,
    bodies: list[tuple[str, list[dict[str, Any]] | None]],
    *,
    kind: str = MessageKind.REPLY,
    in_reply_to: str | None = None,
    settled_where_queued: bool = False,
) -> list[OutboundMessage]:
    """Queue several texts for one address, in this order (a turn's reply is often two or three):
    one look-up of the address's last number and one flush for all of them.

    `settled_where_queued`: the caller passes them to `OutboxWorker.settle_where_queued` before it
    commits, so the outbox is not woken to look for them."""
    if not bodies:
        return []
    last = session.scalar(_LAST_SEQUENCE, {"address_id": address.id}) or 0
    count_segments = registry.capabilities(address.channel).count_segments
    messages = []
    for sequence, (body, options) in enumerate(bodies, start=last + 1):
        message = OutboundMessage(
            address_id=address.id, channel=address.channel, kind=kind, body=body, options=options or None,
            in_reply_to=in_reply_to, sequence=sequence,
        )
        if count_segments is not None:
            counted = count_segments(body)
            message.segments, message.encoding = counted.segments, counted.encoding
        messages.append(message)
    session.add_all(messages)
    session.flush()
    if not settled_where_queued:
        _SEND_WAITING.set() if not registry.capabilities(address.channel).read_from_outbox else _LOCAL_WAITING.set()
    return messages


class Leased(NamedTuple):
    """A message this process holds the lease on, to send: see `OutboxWorker.settle_where_queued`."""

    message_id: str
    token: str
    unconfirmed_since: datetime | None  # an earlier attempt whose outcome is unknown began then


def _claim_token() -> str:
    return f"{PROCESS_ID}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** attempts, 300))


class OutboxWorker:
    def __init__(
        self, sessions: sessionmaker[Session], senders: dict[str, ChannelSender], max_attempts: int,
        *, lease: timedelta = LEASE, disk_sync: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._lease = lease
        # With sessions that commit without an fsync (bot/db.py, DiskSync): awaited after claiming,
        # so the claim, the attempt and everything committed before them (the reply, an urgent
        # flag) are on disk before a message leaves.
        self._disk_sync = disk_sync
        self._sessions = sessions
        self._senders = senders
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._next_local_look = 0.0
        self._next_claim_look = 0.0
        self._stopping = False
        self._sending: set[asyncio.Task[None]] = set()

    def notify(self) -> None:
        self._wake.set()

    def settle_where_queued(self, session: Session, address: ChannelAddress, messages: list[OutboundMessage]) -> Leased | None:
        """What happens to a turn's just-queued replies in the transaction that queued them.

        Web chat (its page reads the outbox): settled here, delivered or suppressed by the opt-out
        rule. Called last, just before the commit, so the opt-out rule sees what the turn itself
        changed (a turn that opts out suppresses its own replies, as the worker would).
        Other channels: the address's head is leased here, and returned for `send_leased` once the
        caller has committed, so the first part goes out without waiting for, and paying for, a
        claim round (the rest follow it, `_send_one`). If the head cannot be leased (a message
        backing off, another process's lease), the worker's next claim round takes over.

        Why: a web chat turn's reply was queued in one transaction and settled by the worker in
        another, and that second transaction was a tenth of what the app spent on a turn; on SMS
        the claim round was about as much."""
        if registry.capabilities(address.channel).read_from_outbox:
            rows = [(message, address) for message in messages if message.kind != MessageKind.FAREWELL]
            if len(rows) < len(messages):
                _LOCAL_WAITING.set()  # a farewell is the worker's: once it is settled, the address is forgotten
            _settle_read(session, rows)
            _log_read(rows)
            return None
        token = _claim_token()
        leased = _lease_next(session, address.id, token, self._lease) if address.channel in self._senders else None
        if leased is None:
            _SEND_WAITING.set()
            return None
        return Leased(leased[0], token, leased[1])

    def send_leased(self, leased: Leased) -> None:
        """Send a message leased by `settle_where_queued`, now committed, in the background."""
        task = asyncio.get_running_loop().create_task(self._send_now(leased))
        self._sending.add(task)  # kept, so the task is not collected mid-send
        task.add_done_callback(self._sending.discard)

    async def finish_sending(self, timeout: float) -> None:
        """At shutdown: let sends already under way end (up to `timeout` s), so their outcome is
        recorded; one cut off stays leased, and is asked about at the provider before it is resent."""
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=timeout)

    async def _send_now(self, leased: Leased) -> None:
        try:
            if self._disk_sync is not None:
                await self._disk_sync()  # the lease (and the reply) are on disk before it leaves
            await self._send_one(leased.message_id, leased.token, leased.unconfirmed_since)
        except Exception:  # it stays queued; a claim round takes it once the lease has run out
            log_event("outbox_send_error", level=logging.ERROR)

    async def run(self) -> None:
        while not self._stopping:
            try:
                sent_any = await self.send_due(always_claim=False)
            except Exception:  # keep the loop alive; the message stays queued
                log_event("outbox_loop_error", level=logging.ERROR)
                sent_any = False
            if not sent_any:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=CLAIM_LOOK_SECONDS)
                except asyncio.TimeoutError:
                    pass
                self._wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def send_due(self, *, always_claim: bool = True) -> bool:
        """Claim and send the due head message of each address; True if anything was attempted.

        `always_claim=False` (the worker's own loop) skips the claim round when this process has
        queued nothing to send since an empty round less than CLAIM_LOOK_SECONDS ago."""
        settled = await self.settle_read_from_outbox()
        now_mono = time.monotonic()
        if not always_claim and not _SEND_WAITING.is_set() and now_mono < self._next_claim_look:
            return settled > 0  # nothing queued to send by this process since an empty claim round
        _SEND_WAITING.clear()
        claimed = self.claim_due()
        # After an empty round wait for news or the next look; after a full one look again at once.
        self._next_claim_look = now_mono + CLAIM_LOOK_SECONDS if not claimed else 0.0
        if not claimed:
            return settled > 0
        if self._disk_sync is not None:
            await self._disk_sync()
        await asyncio.gather(*(self._send_one(message_id, token, unsure) for message_id, token, unsure in claimed))
        return True

    async def settle_read_from_outbox(self, limit: int = BATCH) -> int:
        """Settle the due messages of channels whose recipient reads the outbox itself (web chat)
        that nobody settled as they were queued (`settle_where_queued`): holding replies, follow-ups,
        a link worker's replies, anything left from before a restart.

        Nothing goes over a network and nothing can fail, so there is no lease and no attempt to
        record first: each message is checked against the opt-out rule and stored as delivered, or
        suppressed, oldest first per address, all in one transaction. On PostgreSQL the rows are
        taken `FOR UPDATE SKIP LOCKED`, so two processes never settle the same message.
        Returns how many were settled.
        """
        channels = _read_from_outbox_channels()
        now_mono = time.monotonic()
        if not channels or (not _LOCAL_WAITING.is_set() and now_mono < self._next_local_look):
            return 0  # nothing queued for them in this process since the last look (see enqueue_all)
        _LOCAL_WAITING.clear()
        self._next_local_look = now_mono + LOCAL_LOOK_SECONDS
        with self._sessions() as session:
            query = (
                select(OutboundMessage, ChannelAddress)
                .join(ChannelAddress, ChannelAddress.id == OutboundMessage.address_id)
                .where(OutboundMessage.channel.in_(channels), OutboundMessage.status == OutboundStatus.QUEUED,
                       OutboundMessage.next_attempt_at <= utcnow())
                .order_by(OutboundMessage.address_id, OutboundMessage.sequence)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=OutboundMessage)
            rows = [(message, address) for message, address in session.execute(query)]
            if not rows:
                session.rollback()
                return 0
            if len(rows) == limit:  # there may be more: look again next round
                _LOCAL_WAITING.set()
            _settle_read(session, rows)
            session.commit()
            _log_read(rows)
            for message, _ in rows:
                _after_farewell(session, message)
        return len(rows)

    def claim_due(self, limit: int = BATCH) -> list[tuple[str, str, datetime | None]]:
        """Lease the due messages this process will send now: (id, lease token, unconfirmed since).

        Only the head of each address (its oldest queued message) can be claimed, so a later
        message never overtakes one still waiting to retry. The oldest due go first, so a busy
        address never starves the rest. A message is free if nobody leases it or its lease has
        expired (its holder died); the UPDATE only takes free rows, so two processes never both
        send one. On PostgreSQL the candidates are picked `FOR UPDATE SKIP LOCKED`, so processes
        claiming at the same moment take different messages instead of queueing on each other.
        """
        now = utcnow()
        token = _claim_token()
        free = or_(OutboundMessage.lease_until.is_(None), OutboundMessage.lease_until < now)
        with self._sessions() as session:
            query = _due_heads(session.get_bind().dialect.name, limit, _read_from_outbox_channels())
            candidates = {row.id: row.attempt_started_at for row in session.execute(query, {"now": now})}
            if not candidates:
                session.rollback()
                return []
            won = session.scalars(  # RETURNING: PostgreSQL, and SQLite since 3.35
                update(OutboundMessage)
                .where(OutboundMessage.id.in_(candidates), OutboundMessage.status == OutboundStatus.QUEUED, free)
                .values(claimed_by=token, lease_until=now + self._lease,
                        attempt_started_at=func.coalesce(OutboundMessage.attempt_started_at, now))
                .returning(OutboundMessage.id)
                .execution_options(synchronize_session=False)
            ).all()
            session.commit()
        return [(message_id, token, candidates[message_id]) for message_id in won]

    async def _send_one(self, message_id: str, token: str, unconfirmed_since: datetime | None = None) -> None:
        """Send a leased message, then each next message of its address that was leased in the
        commit recording the one before it (`_lease_next`): the second part of a reply goes out
        without waiting for, and paying for, another claim round."""
        claim: tuple[str, datetime | None] | None = (message_id, unconfirmed_since)
        while claim is not None:
            claim = await self._send_leased(claim[0], token, claim[1])

    async def _send_leased(
        self, message_id: str, token: str, unconfirmed_since: datetime | None,
    ) -> tuple[str, datetime | None] | None:
        """One leased message; returns the address's next message if it is now leased to us too."""
        with self._sessions() as session:
            row = session.execute(
                select(OutboundMessage, ChannelAddress)
                .join(ChannelAddress, ChannelAddress.id == OutboundMessage.address_id)
                .where(OutboundMessage.id == message_id)
            ).one_or_none()
            if row is None:
                return None
            message, address = row[0], row[1]
            if message.status != OutboundStatus.QUEUED or message.claimed_by != token:
                return None
            lease_until = message.lease_until
            if not may_send(address, message.kind):  # the opt-out rule: bot/policy/opt_out.py
                message.status = OutboundStatus.SUPPRESSED
                crisis.safety_not_delivered(session, message, enqueue=enqueue)  # flags safety texts only
                _settle(message)
                session.commit()
                log_event("outbound_suppressed", outbound_id=message.id, channel=message.channel)
                _after_farewell(session, message)
                return None
            sender = self._senders.get(message.channel)
            if sender is None:
                message.status = OutboundStatus.FAILED
                message.last_error = "no sender configured for this channel"
                _settle(message)
                session.commit()
                _after_farewell(session, message)
                return None
            # Never hold a database transaction across the network call: with SQLite a write lock
            # held while awaiting would stall every other writer in the process. The attempt is
            # recorded with its outcome, below.
            session.commit()
            error: Exception | None = None
            provider_id: str | None = None
            found = False
            try:
                if unconfirmed_since is not None:  # an earlier attempt may have got through
                    provider_id = await self._already_sent(session, sender, message, address, unconfirmed_since)
                    found = provider_id is not None
                if not found:
                    provider_id = await sender.send(message, address)
            except Exception as exc:  # transient unless it says otherwise: a crash must not lose the reply
                error = exc
            if not _well_within(lease_until, self._lease):  # it may have run out mid-send: look
                session.refresh(message)
            if message.claimed_by != token:  # our lease ran out mid-send and another process took over
                if error is None and provider_id:  # it went: say so at once, so the other looks no further
                    session.execute(
                        update(OutboundMessage)
                        .where(OutboundMessage.id == message.id, OutboundMessage.status == OutboundStatus.QUEUED)
                        .values(status=OutboundStatus.SENT, provider_id=provider_id, sent_at=utcnow(),
                                attempts=OutboundMessage.attempts + 1)
                        .execution_options(synchronize_session=False)
                    )
                session.commit()
                log_event("outbound_lease_lost", level=logging.WARNING, outbound_id=message.id)
                return None
            if isinstance(error, UnconfirmedSendError) and message.attempt_started_at is not None:
                try:  # the answer was lost after the request went out: does the provider have it?
                    since = message.attempt_started_at
                    provider_id = await self._already_sent(session, sender, message, address, since)
                except Exception:  # cannot tell now; asked again before the next attempt
                    provider_id = None
                if provider_id is not None:
                    error = None
            if not found:
                message.attempts += 1
            _settle(message, keep_unconfirmed=isinstance(error, UnconfirmedSendError))
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
            following = None
            if error is None and message.kind != MessageKind.FAREWELL:  # after a farewell the address goes
                following = _lease_next(session, message.address_id, token, self._lease)
            session.commit()
            if error is None and provider_id:
                sender.after_sent(session, message)
                session.commit()
            log_event(
                "outbound_attempt", outbound_id=message.id, channel=message.channel, status=message.status,
                attempts=message.attempts, segments=message.segments, found_already_sent=found,
            )
            _after_farewell(session, message)
        if following is not None and self._disk_sync is not None:
            await self._disk_sync()  # its lease is on disk before it leaves, as after a claim round
        return following

    @staticmethod
    async def _already_sent(
        session: Session, sender: ChannelSender, message: OutboundMessage, address: ChannelAddress, since: datetime,
    ) -> str | None:
        """The provider's id for this message if an earlier attempt got it there, else None.

        The provider's candidates (same text, same person, since the attempt) that one of our other
        messages already owns are not this one: the same words can be sent twice on purpose.
        """
        candidates = await sender.find_sent(message, address, _aware(since) - FIND_SENT_SLACK)
        if not candidates:
            return None
        owned = set(session.scalars(select(OutboundMessage.provider_id).where(
            OutboundMessage.provider_id.in_(candidates), OutboundMessage.id != message.id)))
        session.commit()  # end the read: no transaction stays open across the send that may follow
        for candidate in reversed(candidates):  # the oldest unowned one is the attempt's
            if candidate not in owned:
                log_event("outbound_found_already_sent", outbound_id=message.id, channel=message.channel)
                return candidate
        return None


# The address's oldest queued message, and the lease taken on it if it is free (see `_lease_next`).
_NOW = bindparam("now", type_=OutboundMessage.__table__.c.next_attempt_at.type)
_NEXT_OF_ADDRESS = (
    select(OutboundMessage.id, OutboundMessage.next_attempt_at, OutboundMessage.attempt_started_at)
    .where(OutboundMessage.address_id == bindparam("address_id"), OutboundMessage.status == OutboundStatus.QUEUED)
    .order_by(OutboundMessage.sequence)
    .limit(1)
)
_LEASE_IF_FREE = (
    update(OutboundMessage)
    .where(OutboundMessage.id == bindparam("outbound_id"), OutboundMessage.status == OutboundStatus.QUEUED,
           or_(OutboundMessage.lease_until.is_(None), OutboundMessage.lease_until < _NOW))
    .values(claimed_by=bindparam("token"), lease_until=bindparam("until", type_=OutboundMessage.__table__.c.lease_until.type),
            attempt_started_at=func.coalesce(OutboundMessage.attempt_started_at, _NOW))
    .execution_options(synchronize_session=False)
)


def _lease_next(session: Session, address_id: str, token: str, lease: timedelta) -> tuple[str, datetime | None] | None:
    """Lease the address's next message, in the transaction that settles the one before it.

    It is the address's head once that commits, so this is the claim a round would make (due,
    and free: nobody else's unexpired lease; the UPDATE takes only a free row, so two processes
    never both hold it), minus the round's search over every address. None if there is no next
    message, it is waiting to retry, or another process holds it."""
    now = utcnow()
    head = session.execute(_NEXT_OF_ADDRESS, {"address_id": address_id}).first()
    if head is None or _aware(head.next_attempt_at) > now:
        return None
    won = session.execute(
        _LEASE_IF_FREE, {"outbound_id": head.id, "now": now, "token": token, "until": now + lease},
    ).rowcount == 1  # type: ignore[attr-defined]
    return (head.id, head.attempt_started_at) if won else None


def _read_from_outbox_channels() -> tuple[str, ...]:
    return tuple(c.name for c in registry.channels() if c.capabilities.read_from_outbox)


@lru_cache(maxsize=4)
def _due_heads(dialect: str, limit: int, skip_channels: tuple[str, ...] = ()) -> Select[tuple[str, datetime | None]]:
    """The claim's look-up (see `claim_due`), built once: the outbox asks it every half second and
    after every turn, and building it (an aliased table) cost more than running it."""
    now = bindparam("now", type_=OutboundMessage.__table__.c.next_attempt_at.type)
    earlier = aliased(OutboundMessage)
    query = (
        select(OutboundMessage.id, OutboundMessage.attempt_started_at)
        .where(OutboundMessage.status == OutboundStatus.QUEUED, OutboundMessage.next_attempt_at <= now)
        .where(or_(OutboundMessage.lease_until.is_(None), OutboundMessage.lease_until < now))
        .where(~exists().where(
            earlier.address_id == OutboundMessage.address_id, earlier.status == OutboundStatus.QUEUED,
            earlier.sequence < OutboundMessage.sequence,
        ))
        .order_by(OutboundMessage.next_attempt_at, OutboundMessage.sequence)
        .limit(limit)
    )
    if skip_channels:  # settled by `settle_read_from_outbox` instead
        query = query.where(OutboundMessage.channel.not_in(skip_channels))
    if dialect == "postgresql":  # processes claiming at once take different rows
        query = query.with_for_update(skip_locked=True, of=OutboundMessage)
    return query


def _after_farewell(session: Session, message: OutboundMessage) -> None:
    """The reply to "forget me" is done with (sent, failed or suppressed): the address goes too.

    Not on a channel whose page fetches its messages from the outbox after "sending" (web chat,
    `delivered_on_send`): there it must still be read, and retention removes the random chat id.
    """
    if message.kind != MessageKind.FAREWELL or message.status == OutboundStatus.QUEUED:
        return
    if registry.capabilities(message.channel).delivered_on_send:
        return
    address_id = message.address_id
    if erasure.forget_address_once_told(session, address_id):
        log_event("address_forgotten", channel=message.channel)
    session.commit()


def _well_within(lease_until: datetime | None, lease: timedelta) -> bool:
    """True while less than half the lease has gone: nobody else can have taken the message yet
    (another process takes it only once the lease has run out by its own clock), so reading it
    back after a send is needed only after a slow one."""
    return lease_until is not None and utcnow() < _aware(lease_until) - lease / 2


def _settle(message: OutboundMessage, *, keep_unconfirmed: bool = False) -> None:
    """The attempt is over: give up the lease (and forget the attempt unless its outcome is unknown)."""
    message.claimed_by, message.lease_until = None, None
    if not keep_unconfirmed:
        message.attempt_started_at = None


def _aware(value):
    """SQLite returns naive datetimes; everything we store is UTC."""
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _settle_read(session: Session, rows: list[tuple[OutboundMessage, ChannelAddress]]) -> None:
    """Read-from-outbox messages (web chat): delivered, or suppressed by the opt-out rule (a safety
    text suppressed raises its flag). Nothing is handed to a sender: the page reads them itself."""
    now = utcnow()
    for message, address in rows:
        message.attempts += 1
        _settle(message)
        if may_send(address, message.kind):  # bot/policy/opt_out.py
            message.status, message.sent_at = OutboundStatus.DELIVERED, now
        else:
            message.status = OutboundStatus.SUPPRESSED
            crisis.safety_not_delivered(session, message, enqueue=enqueue)  # flags safety texts only


def _log_read(rows: Sequence[tuple[OutboundMessage, ChannelAddress]]) -> None:
    for message, _ in rows:
        log_event("outbound_attempt", outbound_id=message.id, channel=message.channel, status=message.status,
                  attempts=message.attempts, segments=message.segments, found_already_sent=False)
