"""The gateway: every inbound message, from every channel, takes this one path.

1. It is stored first (keyed by the provider's id, so a retried webhook is handled once).
2. In the same transaction, without waiting for the person's earlier messages or for Rasa, the
   pre-check (`precheck.py`) looks for risk and STOP/START and acts on them.
3. Then, one message at a time per person, oldest first: messages written after an opt-out, rate
   limits, help words and media-only messages are handled here, without the dialogue engine.
4. Anything else goes to Rasa; its replies are rendered for the channel and put in the outbox,
   and the signals actions sent (bot/dialogue/contract.py) are applied by the policy rules.
If Rasa is down, the person gets one holding reply and the message stays pending, in order,
until the sweeper finds Rasa back. If Rasa is only slow (HOLDING_REPLY_SECONDS), they get the same
holding reply while the app goes on waiting for the answer (up to RASA_TIMEOUT_SECONDS).
The sweeper also pre-checks anything a restart left unchecked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Result, Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.dialogue import contract
from bot.dialogue.rasa_client import RasaClient, RasaReply, RasaUnavailable
from bot.gateway import messages as texts
from bot.gateway.keywords import control_word
from bot.gateway.outbox import OutboxWorker, enqueue, enqueue_all
from bot.gateway.person_lock import PersonLocks
from bot.gateway.precheck import precheck
from bot.gateway.render import map_option_reply, map_payload, render
from bot.logging_setup import log_event
from bot.models import ChannelAddress, InboundMessage, Person, utcnow
from bot.policy import crisis, erasure, opt_out
from bot.records.consent import notice_due
from bot.records.handoffs import HELD_ROUTE, held_clause, hold_for_worker, request_handoff
from bot.records.people import get_or_create_address
from bot.statuses import HandoffReason, InboundStatus, MessageKind, Precheck

MAX_PROCESSING_ATTEMPTS = 5  # for unexpected errors; Rasa being down is retried without limit
# With several processes, the sweeper leaves messages younger than this to the drain they came with.
SWEEP_GRACE_SECONDS = 3.0
NOTICE_INTENT = "EXTERNAL_notice_changed"  # the dialogue's question about a changed privacy notice


def _with_address_and_person() -> Select[tuple[InboundMessage, ChannelAddress, Person]]:
    return (
        select(InboundMessage, ChannelAddress, Person)
        .join(ChannelAddress, ChannelAddress.id == InboundMessage.address_id)
        .join(Person, Person.id == ChannelAddress.person_id)
    )


# The look-ups every turn makes, built once with bound parameters: building a statement cost
# SQLAlchemy more than running it on SQLite, and these run several times a turn.
_BY_ID = _with_address_and_person().where(InboundMessage.id == bindparam("inbound_id"))
_BY_ID_LOCKED = _BY_ID.with_for_update(of=InboundMessage)
_EARLIER = aliased(InboundMessage)
# This address's oldest pending message, with its address and person, FOR UPDATE of the message on
# PostgreSQL (see `_load`), and what the checks before Rasa ask on every turn: how many messages
# the address sent since `since` (the rate limit) and whether a link worker holds the person.
# Finding the next message, loading it and those two answers are one query.
_NEXT_PENDING = (
    _with_address_and_person()
    .add_columns(
        select(func.count()).select_from(_EARLIER)
        .where(_EARLIER.address_id == InboundMessage.address_id, _EARLIER.received_at >= bindparam("since"))
        .scalar_subquery(),
        held_clause(ChannelAddress.person_id),
    )
    .where(InboundMessage.address_id == bindparam("address_id"), InboundMessage.status == InboundStatus.PENDING)
    .order_by(InboundMessage.received_at, InboundMessage.id)
    .limit(1)
    .with_for_update(of=InboundMessage)
)


@dataclass(frozen=True)
class _Next:
    inbound: InboundMessage
    address: ChannelAddress
    person: Person
    sent_last_minute: int  # messages from this address in the last minute, this one included
    held: bool  # a link worker holds this person (bot/records/handoffs.py)


def _load(
    session: Session, inbound_id: str, *, lock: bool = False,
) -> tuple[InboundMessage, ChannelAddress, Person] | None:
    """A message with its address and person, in one query (three look-ups a turn, twice, were a
    measurable part of what the gateway adds to a turn). `lock`: FOR UPDATE of the message on
    PostgreSQL, so two processes never pre-check it both."""
    return _one(session.execute(_BY_ID_LOCKED if lock else _BY_ID, {"inbound_id": inbound_id}))


def _load_next(session: Session, address_id: str) -> _Next | None:
    """This address's oldest pending message and what the checks before Rasa need (`_NEXT_PENDING`)."""
    row = session.execute(
        _NEXT_PENDING, {"address_id": address_id, "since": utcnow() - timedelta(minutes=1)},
    ).one_or_none()
    return None if row is None else _Next(row[0], row[1], row[2], int(row[3] or 0), bool(row[4]))


def _one(result: Result[tuple[InboundMessage, ChannelAddress, Person]]) -> tuple[InboundMessage, ChannelAddress, Person] | None:
    row = result.one_or_none()
    return None if row is None else (row[0], row[1], row[2])


async def _nothing_to_sync() -> None:
    """Durable sessions: every commit is already on disk."""


def as_plain_text(text: str) -> str:
    """Typed text is never an intent: a leading '/' would let anyone trigger any intent in Rasa."""
    if not text.lstrip().startswith("/"):
        return text
    return text.lstrip("/ ").strip()


@dataclass(frozen=True)
class Accepted:
    inbound_id: str
    address_id: str
    duplicate: bool
    checked: bool = True  # the pre-check ran in the storing transaction (False: the drain runs it)


class Gateway:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        rasa: RasaClient,
        outbox: OutboxWorker,
        *,
        retry_seconds: float,
        rate_limit_per_minute: int,
        forget_conversation: Callable[[str], None] | None = None,
        disk_sync: Callable[[], Awaitable[None]] | None = None,
        person_locks: PersonLocks | None = None,
        sweep_grace_seconds: float = 0.0,
        notice_version: str | None = None,
        taken_turn: Callable[[str, str], list[dict[str, Any]] | None] | None = None,
        turn_in_progress: Callable[[str], bool] | None = None,
        holding_after_seconds: float | None = None,
    ) -> None:
        self._sessions = sessions
        self._rasa = rasa
        self._outbox = outbox
        self._retry_seconds = retry_seconds
        self._rate_limit = rate_limit_per_minute
        self._forget_conversation = forget_conversation
        # (conversation id, message id) -> the turn Rasa already took for it, if any (tracker_store.taken_turn)
        self._taken_turn = taken_turn
        # conversation id -> some Rasa server may still be taking a turn of it (dialogue/lock_store.py)
        self._turn_in_progress = turn_in_progress
        # HOLDING_REPLY_SECONDS: a turn still unanswered this long gets the holding reply while the
        # wait goes on (None: only when Rasa is given up on).
        self._holding_after = holding_after_seconds
        self._person_locks = person_locks or PersonLocks()  # in-process only, unless given a PostgreSQL one
        self._sweep_grace = sweep_grace_seconds
        # Awaited before telling anyone a commit happened, when `sessions` commit without an fsync
        # (bot/db.py, DiskSync); with durable sessions there is nothing to wait for.
        self._disk_sync = disk_sync or _nothing_to_sync
        self._notice_version = notice_version  # PRIVACY_NOTICE_VERSION; None: never ask about a change
        self._settled: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    # -- intake ---------------------------------------------------------------------------------
    def accept(
        self, channel: str, address: str, provider_id: str, *, text: str | None = None,
        payload: str | None = None, has_media: bool = False,
    ) -> Accepted:
        """Store the message durably and pre-check it (precheck.py) in the same transaction; a
        provider id seen before is a duplicate and is neither stored nor checked again.

        Checked while it is stored, so a person in danger is answered before the webhook is, and a
        turn costs one transaction fewer. If the check itself fails, the message is stored
        unchecked instead (a crash in the check never loses a message) and the drain, or the
        sweeper after a restart, checks it before anything else happens to it.
        """
        fields = {"text": text, "payload": payload, "has_media": has_media}
        try:
            return self._store(channel, address, provider_id, fields, check=True)
        except Exception:
            log_event("precheck_on_intake_failed", level=logging.ERROR, channel=channel)
            return self._store(channel, address, provider_id, fields, check=False)

    def _store(
        self, channel: str, address: str, provider_id: str, fields: dict[str, Any], *, check: bool,
    ) -> Accepted:
        """Inserted straight away rather than looked up first (a duplicate is rare: a provider's
        retry); the unique key on (channel, provider id) turns a duplicate into an IntegrityError.
        A first message from a new number racing another from it can also meet the address's
        unique key: then it is simply tried again, the address now being there."""
        started = time.perf_counter()
        for _ in range(2):
            with self._sessions() as session:
                try:
                    addr = get_or_create_address(session, channel, address)
                    inbound = InboundMessage(channel=channel, provider_id=provider_id, address_id=addr.id, **fields)
                    session.add(inbound)
                    session.flush()
                except IntegrityError:
                    session.rollback()
                    existing = session.scalar(
                        select(InboundMessage).where(InboundMessage.channel == channel, InboundMessage.provider_id == provider_id)
                    )
                    if existing is not None:
                        return Accepted(existing.id, existing.address_id, duplicate=True)
                    continue  # the address raced in: try again
                self._settled.setdefault(inbound.id, asyncio.Event())
                if check:
                    self._check(session, inbound, addr, started)  # commits
                else:
                    session.commit()
                log_event("inbound_stored", inbound_id=inbound.id, channel=channel)
                return Accepted(inbound.id, addr.id, duplicate=False, checked=check)
        raise RuntimeError("inbound message could not be stored")

    async def receive(
        self, channel: str, address: str, provider_id: str, *, text: str | None = None,
        payload: str | None = None, has_media: bool = False,
    ) -> Accepted:
        """A webhook's message: store it, start its drain, and return once the store would survive
        a power cut, since the webhook's answer tells the provider not to send it again."""
        accepted = self.accept(channel, address, provider_id, text=text, payload=payload, has_media=has_media)
        if not accepted.duplicate:
            self.schedule(accepted.address_id, prechecked=accepted.checked)
        await self._disk_sync()
        return accepted

    async def synced(self) -> None:
        """Every commit so far is on disk: await before showing its results to anyone."""
        await self._disk_sync()

    def schedule(self, address_id: str, *, prechecked: bool = False) -> None:
        """Drain this address in the background. `prechecked`: its new message was checked as it was
        stored, so the drain need not look for unchecked ones first (the sweeper still does)."""
        task = asyncio.get_running_loop().create_task(self.drain(address_id, precheck=not prechecked))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_settled(self, inbound_id: str, timeout: float) -> bool:
        """Wait until this message is answered (or a holding reply went out)."""
        event = self._settled.get(inbound_id)
        if event is None:  # not waiting here (answered already, or stored by another process): look
            event = self._settled.setdefault(inbound_id, asyncio.Event())
            with self._sessions() as session:
                inbound = session.get(InboundMessage, inbound_id)
                if inbound is not None and inbound.status != InboundStatus.PENDING:
                    return True
        try:
            await asyncio.wait_for(event.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    # -- processing -----------------------------------------------------------------------------
    async def drain(self, address_id: str, *, wait: bool = True, precheck: bool = True) -> None:
        """Pre-check what is new at once (unless `precheck` is False: it was checked as it was
        stored), then process this address's pending messages oldest first, stopping at the first
        that must wait.

        Only one drain per address runs at a time, across processes (bot/gateway/person_lock.py).
        """
        if precheck:
            self.precheck_pending(address_id)
        still_needed = (lambda: self._has_pending(address_id)) if wait else None
        async with self._person_locks.hold(address_id, still_needed) as held:
            while held and not self._stopping:
                if not await self._process_next(address_id):
                    return

    def _has_pending(self, address_id: str) -> bool:
        with self._sessions() as session:
            return session.scalar(
                select(InboundMessage.id)
                .where(InboundMessage.address_id == address_id, InboundMessage.status == InboundStatus.PENDING).limit(1)
            ) is not None

    async def sweep_forever(self) -> None:
        """Retry pending messages (Rasa was down, or the app restarted mid-message)."""
        while not self._stopping:
            try:
                await self.sweep()
            except Exception:
                log_event("sweep_error", level=logging.ERROR)
            await asyncio.sleep(self._retry_seconds)

    async def sweep(self) -> None:
        self.precheck_pending()  # whether Rasa is up or not
        # With several processes, only messages pending a while: a fresh one is being drained by the
        # process it came in to.
        settled_before = utcnow() - timedelta(seconds=self._sweep_grace)
        with self._sessions() as session:
            address_ids = list(session.scalars(
                select(InboundMessage.address_id)
                .where(InboundMessage.status == InboundStatus.PENDING, InboundMessage.received_at < settled_before)
                .distinct()
            ))
        if address_ids and await self._rasa.is_ready():
            # Addresses another process is draining are skipped (its lock says so); any process's
            # sweeper can pick up what a crashed process left pending.
            idle = [a for a in address_ids if not self._person_locks.busy_here(a)]
            await asyncio.gather(*(self.drain(a, wait=False) for a in idle))

    def stop(self) -> None:
        self._stopping = True
        self._person_locks.close()

    # -- the checks that never wait (precheck.py) --------------------------------------------------
    def precheck_pending(self, address_id: str | None = None) -> None:
        """Pre-check every stored message not yet checked (of one address, or all), oldest first.

        Never waits for the per-person lock: that lock may be held by an earlier message waiting
        on Rasa. Each check runs in one synchronous transaction (no await inside), so two tasks of
        this process never check the same message.
        """
        query = select(InboundMessage.id).where(
            InboundMessage.status == InboundStatus.PENDING, InboundMessage.precheck.is_(None),
        ).order_by(InboundMessage.received_at, InboundMessage.id)
        if address_id is not None:
            query = query.where(InboundMessage.address_id == address_id)
        with self._sessions() as session:
            waiting = list(session.scalars(query))
        for inbound_id in waiting:
            self._precheck_one(inbound_id)

    def _precheck_one(self, inbound_id: str) -> None:
        started = time.perf_counter()
        with self._sessions() as session:
            # FOR UPDATE (PostgreSQL): another process checking the same message waits, then sees it done.
            loaded = _load(session, inbound_id, lock=True)
            if loaded is None:
                return
            inbound, address, _ = loaded
            if inbound.precheck is not None or inbound.status != InboundStatus.PENDING:
                return
            self._check(session, inbound, address, started)

    def _check(self, session: Session, inbound: InboundMessage, address: ChannelAddress, started: float) -> bool:
        """Pre-check one loaded, unchecked message and commit the result; True if that handled it."""
        checked = precheck(session, inbound, address)
        if checked.route is not None:
            self._finish(session, inbound, checked.route)
        session.commit()
        if checked.route is not None:
            self._after(inbound.id, checked.route, started)
            return True
        if checked.precheck == Precheck.RISK:  # answered for safety; the dialogue still has to answer it
            self._outbox.notify()
            log_event("risk_answered_before_dialogue", inbound_id=inbound.id)
        return False

    async def _process_next(self, address_id: str) -> bool:
        """Process this address's oldest pending message; False when there is none, or it must wait."""
        started = time.perf_counter()
        with self._sessions() as session:
            loaded = _load_next(session, address_id)
            if loaded is None:
                return False
            inbound, address, person = loaded.inbound, loaded.address, loaded.person
            inbound_id = inbound.id
            if inbound.precheck is None and self._check(session, inbound, address, started):
                return True  # nothing had checked it yet, and the check answered it (STOP, a crisis)
            handled = self._handle_before_rasa(session, inbound, address, loaded.sent_last_minute)
            if not handled and hold_for_worker(session, inbound, address, held=loaded.held):
                # After the safety checks: a link worker holds this person, so the message is kept
                # for them (text and all) and the bot stays quiet.
                session.commit()
                self._after(inbound_id, HELD_ROUTE, started)
                return True
            if handled:
                self._finish(session, inbound, handled)
                session.commit()
                self._after(inbound_id, handled, started)
                return True
            rasa_text = (
                map_payload(inbound.payload, person.last_options)
                or map_option_reply(inbound.text, person.last_options)
                or as_plain_text(inbound.text or inbound.payload or "")
            )
            conversation_id, channel, address_id = person.conversation_id, address.channel, address.id
            risky = inbound.precheck == Precheck.RISK
            # Only someone who had said yes before this turn, and not been asked about this notice,
            # can be due the question (a yes given in this turn answers the current notice).
            notice_possible = person.consent_to_keep is True and person.notice_asked_version != self._notice_version
            # Handed to Rasa before (by this process or one that died): Rasa may have taken the turn
            # and only its answer been lost. Otherwise mark it now, before it is handed over.
            tried_before = inbound.attempts > 0 or inbound.processed_at is not None
            if not tried_before:
                inbound.processed_at = utcnow()
                session.commit()
        if tried_before and self._turn_in_progress is not None and self._turn_in_progress(conversation_id):
            # The earlier attempt may still be running in Rasa: looking now could miss a turn about
            # to be saved. It stays pending; the sweeper tries again once Rasa's lock is free.
            self._on_rasa_down(inbound_id, "turn still in progress")
            return False
        try:
            reply = self._already_taken(conversation_id, inbound_id) if tried_before else None
            if reply is None:
                reply = await self._send_with_holding_reply(
                    inbound_id, conversation_id, rasa_text, contract.metadata(channel, inbound_id, answered_for_safety=risky),
                )
        except RasaUnavailable as exc:
            self._on_rasa_down(inbound_id, str(exc))
            return False
        except Exception:
            return self._on_crash(inbound_id)
        gateway_before_ms = (time.perf_counter() - started) * 1000 - reply.rasa_ms - reply.actions_ms - reply.queued_ms
        reply = await self._ask_about_a_changed_notice(conversation_id, address_id, reply, may_ask=notice_possible and not risky)
        with self._sessions() as session:
            reloaded = _load(session, inbound_id)
            if reloaded is None or reloaded[0].status != InboundStatus.PENDING:
                return True
            inbound, address, person = reloaded
            outgoing, offered = render(reply.messages, channel)
            queued = enqueue_all(session, address, [(item.body, item.options) for item in outgoing],
                                 in_reply_to=inbound.id, settled_where_queued=True)
            person.last_options = offered
            person.holding_reply_sent_at = None
            signals = contract.ReadReply(signals=reply.signals)
            self._apply_signals(session, inbound, address, signals)
            self._finish(session, inbound, "dialogue")
            leased = self._outbox.settle_where_queued(session, address, queued)  # web chat: delivered now
            session.commit()
        if self._forget_conversation is not None:
            for forgotten in signals.conversations_to_forget():
                self._forget_conversation(forgotten)
        self._release(inbound_id)  # before the outbox wakes: a waiting web chat request answers first
        if leased is not None:
            self._outbox.send_leased(leased)  # the first part, leased in that commit: no claim round
        self._outbox.notify()
        log_event(
            "message_handled", inbound_id=inbound_id, channel=channel, route="dialogue", replies=len(outgoing),
            total_ms=round((time.perf_counter() - started) * 1000, 1),
            gateway_ms=round(max(gateway_before_ms, 0.0), 1), rasa_ms=round(reply.rasa_ms, 1),
            actions_ms=round(reply.actions_ms, 1), queued_ms=round(reply.queued_ms, 1),
        )
        return True

    async def _ask_about_a_changed_notice(
        self, conversation_id: str, address_id: str, reply: RasaReply, *, may_ask: bool,
    ) -> RasaReply:
        """After the turn, once: someone whose 'yes' answered an older privacy notice is asked again.

        Asked after their message is answered, so nothing they said is lost; the dialogue asks one
        question and then carries on with whatever it was asking (actions/privacy.py). Not after a
        turn that opted out, forgot them or raised a crisis. If Rasa fails here, it is asked next time.
        `may_ask` is False when the turn raised a crisis, or when what was known before the turn rules
        the question out (no yes yet, or already asked about this notice), saving the look-ups.
        """
        if self._notice_version is None or reply.signals or not may_ask:
            return reply
        if any(m.get("buttons") for m in reply.messages):
            return reply  # they are answering numbered options: a second list now would take their number
        with self._sessions() as session:
            address = session.get(ChannelAddress, address_id)
            person = address.person if address is not None else None
            if (person is None or person.conversation_id != conversation_id or person.consent_to_keep is not True
                    or person.notice_asked_version == self._notice_version
                    or not notice_due(session, person.id, self._notice_version)):
                return reply
        try:
            asked = await self._rasa.trigger_intent(conversation_id, NOTICE_INTENT)
        except Exception:
            log_event("notice_question_failed", level=logging.WARNING)
            return reply
        return RasaReply(
            messages=reply.messages + asked.messages, rasa_ms=reply.rasa_ms + asked.rasa_ms,
            actions_ms=reply.actions_ms + asked.actions_ms, timings=reply.timings + asked.timings,
            signals=reply.signals + asked.signals, queued_ms=reply.queued_ms + asked.queued_ms,
        )

    async def _send_with_holding_reply(
        self, inbound_id: str, conversation_id: str, text: str, metadata: dict[str, Any],
    ) -> RasaReply:
        """Rasa's answer; if Rasa is slow on it, the person gets the holding reply meanwhile.

        On a loaded machine a turn can take Rasa many seconds. Giving up then would only make Rasa
        take the turn again later (more work for a server already behind), so the app goes on
        waiting, up to RASA_TIMEOUT_SECONDS, and tells the person once that their message is in
        hand. The clock starts when the turn reaches Rasa, not while it waits its turn here: in a
        burst every turn waits a while, and a "one moment" text to everyone would double the texts
        sent just when the service is busiest. A web chat page waiting for this message is answered
        with the holding reply and picks up the real one when it polls.
        """
        holding_after = self._holding_after
        if holding_after is None:
            return await self._rasa.send(conversation_id, text, metadata)
        loop = asyncio.get_running_loop()
        timers: list[asyncio.TimerHandle] = []

        def started() -> None:
            timers.append(loop.call_later(holding_after, self._send_holding_reply, inbound_id))

        try:
            return await self._rasa.send(conversation_id, text, metadata, on_started=started)
        finally:
            for timer in timers:
                timer.cancel()

    def _send_holding_reply(self, inbound_id: str, *, count_attempt: bool = False) -> None:
        """The holding reply, once until the person is answered (holding_reply_sent_at); with
        `count_attempt` (Rasa given up on) the message's attempt is counted in the same commit."""
        with self._sessions() as session:
            inbound = session.get(InboundMessage, inbound_id)
            if inbound is None:
                return
            if count_attempt:
                inbound.attempts += 1
            address = session.get(ChannelAddress, inbound.address_id)
            assert address is not None
            if address.person.holding_reply_sent_at is None:
                enqueue(session, address, texts.HOLDING, kind=MessageKind.HOLDING, in_reply_to=inbound.id)
                address.person.holding_reply_sent_at = utcnow()
            session.commit()
        self._outbox.notify()
        self._release(inbound_id)

    def _already_taken(self, conversation_id: str, inbound_id: str) -> RasaReply | None:
        """The reply to a turn Rasa already took for this message, read from its tracker store."""
        if self._taken_turn is None:
            return None
        raw = self._taken_turn(conversation_id, inbound_id)
        if raw is None:
            return None
        read = contract.read_reply(raw)
        log_event("dialogue_turn_recovered", level=logging.WARNING, inbound_id=inbound_id)
        return RasaReply(messages=read.messages, rasa_ms=0.0, timings=read.timings, signals=read.signals)

    @staticmethod
    def _sender(session: Session, address: ChannelAddress, inbound: InboundMessage) -> opt_out.Send:
        """How a policy rule sends its texts in reply to this message: through the outbox."""
        return lambda body, kind: enqueue(session, address, body, kind=kind, in_reply_to=inbound.id)

    def _apply_signals(
        self, session: Session, inbound: InboundMessage, address: ChannelAddress, signals: contract.ReadReply,
    ) -> None:
        """What the actions asked the gateway to do (bot/dialogue/contract.py), by the policy rules."""
        if signals.has(contract.Signal.CRISIS) and inbound.precheck != Precheck.RISK:  # not twice
            assessment = crisis.RiskAssessment(True, "crisis_intent", reasons=["nlu:crisis"])
            crisis.respond_to_risk(session, address, inbound.text or "", assessment, enqueue=enqueue,
                                   source="nlu", in_reply_to=inbound.id)
        if signals.has(contract.Signal.OPT_OUT):
            opt_out.opt_out_and_confirm(address, self._sender(session, address, inbound))
        if signals.has(contract.Signal.FORGET_CONVERSATIONS):  # once these have gone, so does the address
            erasure.mark_farewell(session, inbound.id)

    def _handle_before_rasa(
        self, session: Session, inbound: InboundMessage, address: ChannelAddress, recent: int,
    ) -> str | None:
        """Everything that must not depend on the dialogue engine. Returns the route taken, if any.
        `recent`: messages from this address in the last minute, this one included (rate limit)."""
        if opt_out.wrote_after_opting_out(address, inbound.received_at):
            return "opted_out"  # one written before the opt-out still goes on; the outbox suppresses its replies
        if recent > self._rate_limit:
            if recent == self._rate_limit + 1:
                enqueue(session, address, texts.RATE_LIMITED, kind=MessageKind.SYSTEM, in_reply_to=inbound.id)
            return "rate_limited"
        if control_word(inbound.text) == "help":
            enqueue(session, address, texts.HELP, in_reply_to=inbound.id)
            return "help"
        if inbound.has_media and not (inbound.text or "").strip():
            enqueue(session, address, texts.MEDIA_ONLY, in_reply_to=inbound.id)
            return "media_only"
        return None

    @staticmethod
    def _finish(session: Session, inbound: InboundMessage, route: str) -> None:
        inbound.status = InboundStatus.DONE
        inbound.processed_at = utcnow()
        inbound.text = None  # answered: the words are not kept
        inbound.payload = None

    def _after(self, inbound_id: str, route: str, started: float) -> None:
        self._release(inbound_id)
        self._outbox.notify()
        log_event("message_handled", inbound_id=inbound_id, route=route, total_ms=round((time.perf_counter() - started) * 1000, 1))

    def _release(self, inbound_id: str) -> None:
        event = self._settled.pop(inbound_id, None)
        if event is not None:
            event.set()

    def _on_rasa_down(self, inbound_id: str, reason: str) -> None:
        self._send_holding_reply(inbound_id, count_attempt=True)
        log_event("rasa_unavailable", level=logging.WARNING, inbound_id=inbound_id, reason=reason)

    def _on_crash(self, inbound_id: str) -> bool:
        """An unexpected error: keep the message; after repeated failures a person picks it up."""
        logging.getLogger(__name__).exception("processing_error")
        with self._sessions() as session:
            inbound = session.get(InboundMessage, inbound_id)
            if inbound is None:
                return True
            inbound.attempts += 1
            if inbound.attempts >= MAX_PROCESSING_ATTEMPTS:
                inbound.status = InboundStatus.FAILED
                address = session.get(ChannelAddress, inbound.address_id)
                if address is not None:
                    request_handoff(session, address.person_id, HandoffReason.NOT_UNDERSTOOD)
            session.commit()
            return inbound.status == InboundStatus.FAILED
