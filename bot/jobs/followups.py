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
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.rasa_client import RasaClient, RasaUnavailable
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


def as_moment(when: datetime | date | None) -> datetime:
    """A moment in UTC; a bare date means noon on the London clock that day (inside the window)."""
    if when is None:
        return utcnow()
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return datetime.combine(when, time(12), tzinfo=ZoneInfo(LONDON)).astimezone(timezone.utc)


class FollowUpScheduler:
    def __init__(
        self, sessions: sessionmaker[Session], rasa: RasaClient, *, interval_seconds: float,
        notify: Callable[[], None] = lambda: None, policy: FollowUpPolicy | None = None,
        clock: Callable[[], datetime] = utcnow, sender_name: str = "app",
    ) -> None:
        self._sessions = sessions
        self._rasa = rasa
        self._interval = interval_seconds
        self._notify = notify
        self._policy = policy or FollowUpPolicy()
        self._clock = clock
        self._sender = f"{sender_name}-{uuid.uuid4().hex[:8]}"
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
        """One round at `now` (default: the clock); returns how many texts went out (check-ins and reminders)."""
        moment = as_moment(now) if now is not None else as_moment(self._clock())
        closed = self.close_unanswered(moment)
        if closed:
            log_event("follow_up_no_response", count=closed)
        if not self._policy.window.allowed(moment):
            return 0
        sent = 0
        for follow_up_id in self._candidates(moment):
            if self._stopping:
                break
            try:
                sent += await self._send(follow_up_id, moment)
            except RasaUnavailable:
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
            return list(session.scalars(
                select(FollowUp.id).where(or_(
                    and_(FollowUp.status.in_([S.SCHEDULED, S.SENT]), FollowUp.due_at <= now),
                    and_(FollowUp.status == S.SCHEDULED, FollowUp.due_at.is_(None), FollowUp.due_on <= today),
                    and_(FollowUp.status == S.CLAIMED, FollowUp.claim_expires_at < now),
                )).order_by(FollowUp.due_at, FollowUp.id)
            ))

    async def _send(self, follow_up_id: str, now: datetime) -> int:
        claim = self._claim(follow_up_id, now)
        if claim is None:
            return 0
        token, step, conversation_id, channel, address_id = claim
        try:
            reply = await self._rasa.trigger_intent(
                conversation_id, CHECK_IN_INTENT, {"follow_up_id": follow_up_id, "check_in_step": step},
            )
        except BaseException:
            self._release(follow_up_id, token)
            raise
        return self._finish(follow_up_id, token, step, channel, address_id, reply.messages, now)

    def _claim(self, follow_up_id: str, now: datetime) -> tuple[str, str, str, str, str] | None:
        """Take the check-in for this sender, or None (not due, mid-conversation, someone else has it)."""
        with self._sessions() as session:
            follow_up = session.get(FollowUp, follow_up_id)
            if follow_up is None or follow_up.status not in (S.SCHEDULED, S.SENT, S.CLAIMED):
                return None
            step = FIRST if follow_up.sent_at is None else REMINDER
            expected = S.SCHEDULED if step == FIRST else S.SENT
            address = self._reachable(session, follow_up)
            if address is None:
                return None  # cancelled
            if self._busy(session, follow_up, now):
                return None  # try again next round
            token = f"{self._sender}:{uuid.uuid4().hex[:12]}"
            # Only one sender can win this: the row must still be in the state we read, and due
            # (a check-in another sender has just sent is "sent", but its reminder is not due).
            won = session.execute(
                update(FollowUp)
                .where(FollowUp.id == follow_up_id, or_(
                    and_(FollowUp.status == expected, or_(FollowUp.due_at <= now, FollowUp.due_at.is_(None))),
                    and_(FollowUp.status == S.CLAIMED, FollowUp.claim_expires_at < now),
                ))
                .values(status=S.CLAIMED, claimed_by=token, attempts=FollowUp.attempts + 1,
                        claim_expires_at=now + timedelta(seconds=self._policy.claim_seconds))
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if won != 1:
                session.rollback()
                return None  # another sender won
            person = session.get(Person, follow_up.person_id)
            assert person is not None
            claim = (token, step, person.conversation_id, address.channel, address.id)
            session.commit()
            return claim

    def _reachable(self, session: Session, follow_up: FollowUp) -> ChannelAddress | None:
        """The person's newest address, if contact is still agreed; otherwise cancel their check-ins."""
        # Any standing "yes" to being contacted: a later goal's consent replaces the earlier row.
        consent = active_consent(session, follow_up.person_id, ConsentPurpose.FOLLOW_UP)
        address = session.scalar(
            select(ChannelAddress).where(ChannelAddress.person_id == follow_up.person_id)
            .order_by(ChannelAddress.created_at.desc()).limit(1)
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

    def _busy(self, session: Session, follow_up: FollowUp, now: datetime) -> bool:
        """Mid-conversation: a recent or unanswered text, a link worker on it, or another check-in open."""
        address_ids = select(ChannelAddress.id).where(ChannelAddress.person_id == follow_up.person_id)
        quiet_since = now - timedelta(minutes=self._policy.quiet_minutes)
        talking = session.scalar(
            select(func.count()).select_from(InboundMessage).where(
                InboundMessage.address_id.in_(address_ids),
                or_(InboundMessage.status == InboundStatus.PENDING, InboundMessage.received_at > quiet_since),
            )
        )
        if talking:
            return True
        with_worker = session.scalar(
            select(Handoff.id).where(Handoff.person_id == follow_up.person_id, Handoff.status == HandoffStatus.CLAIMED).limit(1)
        )
        if with_worker is not None:
            return True
        other_open = session.scalar(
            select(FollowUp.id).where(
                FollowUp.person_id == follow_up.person_id, FollowUp.id != follow_up.id,
                or_(FollowUp.status.in_([S.SENT, S.REMINDED]),
                    and_(FollowUp.status == S.CLAIMED, FollowUp.claim_expires_at >= now)),
            ).limit(1)
        )
        return other_open is not None

    def _release(self, follow_up_id: str, token: str) -> None:
        """Give the claim back (Rasa down, or an error) so this or another sender tries again."""
        with self._sessions() as session:
            follow_up = session.get(FollowUp, follow_up_id)
            if follow_up is not None and follow_up.status == S.CLAIMED and follow_up.claimed_by == token:
                follow_up.status = S.SCHEDULED if follow_up.sent_at is None else S.SENT
                follow_up.claimed_by = follow_up.claim_expires_at = None
                session.commit()

    def _finish(
        self, follow_up_id: str, token: str, step: str, channel: str, address_id: str,
        messages: list[dict[str, Any]], now: datetime,
    ) -> int:
        """Move the row on and queue the texts, in one transaction, only while the claim is ours."""
        policy = self._policy
        if step == FIRST:
            values = {
                "status": S.SENT, "sent_at": now,
                "due_at": policy.window.next_slot_after(f"{follow_up_id}:reminder", now + timedelta(days=policy.reminder_days)),
            }
        else:
            values = {"status": S.REMINDED, "reminded_at": now, "due_at": now + timedelta(days=policy.no_response_days)}
        with self._sessions() as session:
            won = session.execute(
                update(FollowUp)
                .where(FollowUp.id == follow_up_id, FollowUp.status == S.CLAIMED, FollowUp.claimed_by == token)
                .values(claimed_by=None, claim_expires_at=None, **values)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            address = session.get(ChannelAddress, address_id)
            if won != 1 or address is None or address.opted_out:
                session.rollback()
                log_event("follow_up_claim_lost", follow_up_id=follow_up_id)
                return 0
            outgoing, offered = render(messages, channel)
            for item in outgoing:
                enqueue(session, address, item.body, kind=MessageKind.FOLLOW_UP, options=item.options)
            person = address.person
            person.last_options = offered
            session.commit()
        self._notify()
        log_event("follow_up_sent", follow_up_id=follow_up_id, channel=channel, step=step)
        return 1
