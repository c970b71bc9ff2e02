"""Sending the check-ins people agreed to: at sensible hours, exactly once, never mid-conversation.

Each round (every FOLLOW_UP_INTERVAL_SECONDS) the scheduler:
1. closes check-ins still unanswered after their reminder as no_response (any hour: nothing is sent);
2. if now is inside the sending hours (bot/jobs/send_window.py), takes each check-in whose time
   has come (first text, or the one reminder) and, unless the person is mid-conversation,
   claims it with an UPDATE that only one sender can win (`WHERE id = ? AND status = ?`, checking
   the row count). The claim carries an expiry, so a sender that crashed is replaced;
3. asks Rasa for the check-in turn (EXTERNAL_check_in, with the check-in's id, so it quotes its
   own goal), then, in one transaction, moves the row on only if it still holds the claim and
   puts the messages in the outbox. A check-in cancelled meanwhile (STOP, consent withdrawn,
   forget me) has lost its claim, so nothing goes out.
All state is in the database, so restarts of the app or of Rasa lose nothing and send nothing twice.
`now` can be given to every step, so tests fast-forward the clock instead of waiting.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.rasa_client import RasaClient, RasaReply, RasaUnavailable
from bot.gateway.outbox import enqueue
from bot.gateway.render import render
from bot.jobs.send_window import LONDON, FollowUpPolicy
from bot.logging_setup import log_event
from bot.models import ChannelAddress, FollowUp, Handoff, InboundMessage, Person, utcnow
from bot.records.consent import active_consent
from bot.records.followups import cancel_check_ins
from bot.statuses import CancelReason, ConsentPurpose, FollowUpStatus, HandoffStatus, InboundStatus, MessageKind

CHECK_IN_INTENT = "EXTERNAL_check_in"
FIRST, REMINDER = "first", "reminder"
S = FollowUpStatus


def _aware(moment: datetime | None) -> datetime:
    """SQLite hands back naive UTC datetimes; PostgreSQL aware ones."""
    if moment is None:
        return datetime.min.replace(tzinfo=timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def as_moment(when: datetime | date | None) -> datetime:
    """A moment in UTC; a bare date means noon on the London clock that day (inside the window)."""
    if when is None:
        return utcnow()
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return datetime.combine(when, time(12), tzinfo=ZoneInfo(LONDON)).astimezone(timezone.utc)


@dataclass(frozen=True)
class Claim:
    """A check-in this sender holds: what it needs to ask Rasa and to queue the texts."""

    follow_up_id: str
    token: str
    step: str  # first | reminder
    conversation_id: str
    channel: str
    address_id: str


class FollowUpScheduler:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        rasa: RasaClient,
        *,
        interval_seconds: float,
        notify: Callable[[], None] = lambda: None,
        policy: FollowUpPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        sender_name: str = "app",
        batch: int = 50,
    ) -> None:
        self._sessions = sessions
        self._rasa = rasa
        self._interval = interval_seconds
        self._notify = notify
        self._policy = policy or FollowUpPolicy()
        self._clock = clock
        self._sender = f"{sender_name}-{uuid.uuid4().hex[:8]}"
        self._batch = batch  # check-ins claimed (and asked of Rasa) at once
        self._stopping = False

    async def run(self) -> None:
        while not self._stopping:
            try:
                await self.send_due()
            except Exception:  # noqa: BLE001 - the loop must outlive any one bad round
                log_event("follow_up_loop_error", level=logging.ERROR)
            await asyncio.sleep(self._interval)

    def stop(self) -> None:
        self._stopping = True

    async def send_due(self, now: datetime | date | None = None) -> int:
        """One round at `now` (default: the clock); returns how many texts went out (check-ins and reminders).

        Due check-ins are taken a batch at a time: one UPDATE claims the batch (each row only if no
        other sender has it), Rasa is asked for each turn concurrently, and one transaction queues
        the texts of every check-in whose claim still stands.
        """
        moment = as_moment(now) if now is not None else as_moment(self._clock())
        closed = self.close_unanswered(moment)
        if closed:
            log_event("follow_up_no_response", count=closed)
        if not self._policy.window.allowed(moment):
            return 0
        sent = 0
        candidates = self._candidates(moment)
        for start in range(0, len(candidates), self._batch):
            if self._stopping:
                break
            claims = self._claim_batch(candidates[start : start + self._batch], moment)
            if not claims:
                continue
            replies = await asyncio.gather(*(self._ask(claim) for claim in claims), return_exceptions=True)
            answered: list[tuple[Claim, list[dict[str, Any]]]] = []
            rasa_down = False
            for claim, reply in zip(claims, replies, strict=True):
                if isinstance(reply, BaseException):
                    self._release(claim.follow_up_id, claim.token)
                    rasa_down = rasa_down or isinstance(reply, RasaUnavailable)
                    if not isinstance(reply, RasaUnavailable):
                        log_event("follow_up_send_error", level=logging.ERROR, follow_up_id=claim.follow_up_id)
                else:
                    answered.append((claim, reply.messages))
            sent += self._finish_batch(answered, moment)
            if rasa_down:
                log_event("follow_up_waiting_for_rasa", level=logging.WARNING)
                break
        return sent

    def close_unanswered(self, now: datetime) -> int:
        """Reminded and still unanswered when the close time comes: no_response (reports count it)."""
        with self._sessions() as session:
            result = session.execute(
                update(FollowUp)
                .where(FollowUp.status == S.REMINDED, FollowUp.due_at <= now)
                .values(status=S.NO_RESPONSE, closed_at=now, due_at=None)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- one check-in -----------------------------------------------------------------------------
    def _candidates(self, now: datetime) -> list[str]:
        today = now.astimezone(ZoneInfo(LONDON)).date()
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(FollowUp.id)
                    .where(
                        or_(
                            and_(FollowUp.status.in_([S.SCHEDULED, S.SENT]), FollowUp.due_at <= now),
                            and_(FollowUp.status == S.SCHEDULED, FollowUp.due_at.is_(None), FollowUp.due_on <= today),
                            and_(FollowUp.status == S.CLAIMED, FollowUp.claim_expires_at < now),
                        )
                    )
                    .order_by(FollowUp.due_at, FollowUp.id)
                )
            )

    async def _ask(self, claim: Claim) -> RasaReply:
        return await self._rasa.trigger_intent(
            claim.conversation_id, CHECK_IN_INTENT, {"follow_up_id": claim.follow_up_id, "check_in_step": claim.step}
        )

    def _claim_batch(self, follow_up_ids: list[str], now: datetime) -> list[Claim]:
        """Claim what is still free among these (one UPDATE; only one sender can win each row), then
        keep those that may go now; the rest are given back (mid-conversation) or cancelled."""
        token = f"{self._sender}:{uuid.uuid4().hex[:12]}"
        with self._sessions() as session:
            won = set(
                session.execute(
                    update(FollowUp)
                    .where(
                        FollowUp.id.in_(follow_up_ids),
                        or_(
                            and_(FollowUp.status.in_([S.SCHEDULED, S.SENT]), FollowUp.due_at <= now),
                            and_(FollowUp.status == S.SCHEDULED, FollowUp.due_at.is_(None)),
                            and_(FollowUp.status == S.CLAIMED, FollowUp.claim_expires_at < now),
                        ),
                    )
                    .values(
                        status=S.CLAIMED,
                        claimed_by=token,
                        attempts=FollowUp.attempts + 1,
                        claim_expires_at=now + timedelta(seconds=self._policy.claim_seconds),
                    )
                    .returning(FollowUp.id)
                    .execution_options(synchronize_session=False)
                )
                .scalars()
                .all()
            )
            session.commit()
            claims: list[Claim] = []
            people: set[str] = set()
            for follow_up_id in (i for i in follow_up_ids if i in won):
                follow_up = session.get(FollowUp, follow_up_id)
                if follow_up is None or follow_up.status != S.CLAIMED or follow_up.claimed_by != token:
                    continue
                address = self._reachable(session, follow_up)
                if address is None:
                    continue  # cancelled
                if follow_up.person_id in people or self._busy(session, follow_up, now, token):
                    self._release(follow_up_id, token, session)  # try again next round
                    continue
                people.add(follow_up.person_id)
                person = session.get(Person, follow_up.person_id)
                assert person is not None
                step = FIRST if follow_up.sent_at is None else REMINDER
                claims.append(Claim(follow_up_id, token, step, person.conversation_id, address.channel, address.id))
            session.commit()
            return claims

    def _claim(self, follow_up_id: str, now: datetime) -> tuple[str, str, str, str, str] | None:
        """One check-in's claim (token, step, conversation, channel, address), or None."""
        claims = self._claim_batch([follow_up_id], now)
        if not claims:
            return None
        c = claims[0]
        return c.token, c.step, c.conversation_id, c.channel, c.address_id

    def _reachable(self, session: Session, follow_up: FollowUp) -> ChannelAddress | None:
        """The person's newest address, if contact is still agreed; otherwise cancel their check-ins."""
        # Any standing "yes" to being contacted: a later goal's consent replaces the earlier row.
        consent = active_consent(session, follow_up.person_id, ConsentPurpose.FOLLOW_UP)
        address = session.scalar(
            select(ChannelAddress)
            .where(ChannelAddress.person_id == follow_up.person_id)
            .order_by(ChannelAddress.created_at.desc())
            .limit(1)
        )
        reason = None
        if consent is None:
            reason = CancelReason.CONSENT_WITHDRAWN
        elif address is None:
            reason = CancelReason.UNREACHABLE
        elif address.opted_out:
            reason = CancelReason.OPT_OUT
        if reason is None:
            return address
        cancel_check_ins(session, follow_up.person_id, reason)
        session.commit()
        log_event("follow_up_cancelled", follow_up_id=follow_up.id, reason=str(reason))
        return None

    def _busy(self, session: Session, follow_up: FollowUp, now: datetime, token: str) -> bool:
        """Mid-conversation: a recent or unanswered text, a link worker on it, or another check-in open."""
        address_ids = select(ChannelAddress.id).where(ChannelAddress.person_id == follow_up.person_id)
        quiet_since = now - timedelta(minutes=self._policy.quiet_minutes)
        talking = session.scalar(
            select(func.count())
            .select_from(InboundMessage)
            .where(
                InboundMessage.address_id.in_(address_ids),
                or_(InboundMessage.status == InboundStatus.PENDING, InboundMessage.received_at > quiet_since),
            )
        )
        if talking:
            return True
        with_worker = session.scalar(
            select(Handoff.id)
            .where(Handoff.person_id == follow_up.person_id, Handoff.status == HandoffStatus.CLAIMED)
            .limit(1)
        )
        if with_worker is not None:
            return True
        other_open = session.scalar(
            select(FollowUp.id)
            .where(
                FollowUp.person_id == follow_up.person_id,
                FollowUp.id != follow_up.id,
                or_(
                    FollowUp.status.in_([S.SENT, S.REMINDED]),
                    # Another sender's live claim on one of theirs: the lower id goes first, so
                    # two senders holding two of one person's check-ins never both give way.
                    and_(
                        FollowUp.status == S.CLAIMED,
                        FollowUp.claim_expires_at >= now,
                        FollowUp.claimed_by != token,
                        FollowUp.id < follow_up.id,
                    ),
                ),
            )
            .limit(1)
        )
        return other_open is not None

    def _release(self, follow_up_id: str, token: str, session: Session | None = None) -> None:
        """Give the claim back (Rasa down, an error, mid-conversation) so this or another sender tries again."""
        if session is None:
            with self._sessions() as own:
                self._release(follow_up_id, token, own)
                own.commit()
            return
        follow_up = session.get(FollowUp, follow_up_id)
        if follow_up is not None and follow_up.status == S.CLAIMED and follow_up.claimed_by == token:
            follow_up.status = S.SCHEDULED if follow_up.sent_at is None else S.SENT
            follow_up.claimed_by = follow_up.claim_expires_at = None
            session.flush()

    def _finish(
        self,
        follow_up_id: str,
        token: str,
        step: str,
        channel: str,
        address_id: str,
        messages: list[dict[str, Any]],
        now: datetime,
    ) -> int:
        """One check-in's last step (see `_finish_batch`)."""
        return self._finish_batch([(Claim(follow_up_id, token, step, "", channel, address_id), messages)], now)

    def _finish_batch(self, answered: list[tuple[Claim, list[dict[str, Any]]]], now: datetime) -> int:
        """Move each row on and queue its texts, in one transaction, only where the claim is still ours.

        A check-in cancelled since it was claimed (STOP, consent withdrawn, forget me) has lost
        its claim, so its UPDATE changes nothing and nothing is queued for it.
        """
        if not answered:
            return 0
        policy = self._policy
        sent = 0
        with self._sessions() as session:
            for claim, messages in answered:
                values: dict[str, Any]
                if claim.step == FIRST:
                    after = now + timedelta(days=policy.reminder_days)
                    values = {
                        "status": S.SENT,
                        "sent_at": now,
                        "due_at": policy.window.next_slot_after(f"{claim.follow_up_id}:reminder", after),
                    }
                else:
                    values = {
                        "status": S.REMINDED,
                        "reminded_at": now,
                        "due_at": now + timedelta(days=policy.no_response_days),
                    }
                address = session.get(ChannelAddress, claim.address_id)
                if address is None or address.opted_out:
                    continue  # STOP cancels its check-ins; this claim lapses if it has not already
                won = session.execute(
                    update(FollowUp)
                    .where(
                        FollowUp.id == claim.follow_up_id,
                        FollowUp.status == S.CLAIMED,
                        FollowUp.claimed_by == claim.token,
                    )
                    .values(claimed_by=None, claim_expires_at=None, **values)
                    .execution_options(synchronize_session=False)
                ).rowcount  # type: ignore[attr-defined]
                if won != 1:
                    log_event("follow_up_claim_lost", follow_up_id=claim.follow_up_id)
                    continue
                outgoing, offered = render(messages, claim.channel)
                for item in outgoing:
                    enqueue(session, address, item.body, kind=MessageKind.FOLLOW_UP, options=item.options)
                address.person.last_options = offered
                sent += 1
                log_event("follow_up_sent", follow_up_id=claim.follow_up_id, channel=claim.channel, step=claim.step)
            session.commit()
        if sent:
            self._notify()
        return sent
