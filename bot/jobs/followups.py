"""Sending the check-ins people agreed to, when they fall due.

A check-in is only sent while the person's consent to be contacted stands and their number is
not opted out; otherwise it is cancelled. If Rasa is down it waits for the next round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.outbox import enqueue
from bot.dialogue.rasa_client import RasaClient, RasaUnavailable
from bot.gateway.render import render
from bot.logging_setup import log_event
from bot.models import ChannelAddress, Consent, FollowUp, Person, utcnow
from bot.statuses import FollowUpStatus, MessageKind

CHECK_IN_INTENT = "EXTERNAL_check_in"


class FollowUpScheduler:
    def __init__(
        self, sessions: sessionmaker[Session], rasa: RasaClient, *, interval_seconds: float,
        notify: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessions
        self._rasa = rasa
        self._interval = interval_seconds
        self._notify = notify
        self._stopping = False

    async def run(self) -> None:
        while not self._stopping:
            try:
                await self.send_due()
            except Exception:
                log_event("follow_up_loop_error", level=logging.ERROR)
            await asyncio.sleep(self._interval)

    def stop(self) -> None:
        self._stopping = True

    async def send_due(self, today: date | None = None) -> int:
        """Send every check-in due by `today`; returns how many went out."""
        today = today or date.today()
        with self._sessions() as session:
            due = list(session.scalars(
                select(FollowUp.id).where(FollowUp.status == FollowUpStatus.SCHEDULED, FollowUp.due_on <= today)
            ))
        sent = 0
        for follow_up_id in due:
            try:
                sent += await self._send(follow_up_id)
            except RasaUnavailable:
                log_event("follow_up_waiting_for_rasa", level=logging.WARNING)
                break
        return sent

    async def _send(self, follow_up_id: str) -> int:
        with self._sessions() as session:
            follow_up = session.get(FollowUp, follow_up_id)
            if follow_up is None or follow_up.status != FollowUpStatus.SCHEDULED:
                return 0
            consent = session.get(Consent, follow_up.consent_id)
            address = session.scalar(
                select(ChannelAddress).where(ChannelAddress.person_id == follow_up.person_id)
                .order_by(ChannelAddress.created_at.desc()).limit(1)
            )
            if consent is None or not consent.given or consent.withdrawn_at is not None or address is None or address.opted_out:
                follow_up.status = FollowUpStatus.CANCELLED
                session.commit()
                log_event("follow_up_cancelled", follow_up_id=follow_up_id)
                return 0
            person = session.get(Person, follow_up.person_id)
            assert person is not None
            conversation_id, channel, address_id = person.conversation_id, address.channel, address.id
        reply = await self._rasa.trigger_intent(conversation_id, CHECK_IN_INTENT)
        with self._sessions() as session:
            follow_up = session.get(FollowUp, follow_up_id)
            address = session.get(ChannelAddress, address_id)
            person = session.get(Person, follow_up.person_id) if follow_up else None
            if follow_up is None or address is None or person is None:
                return 0
            outgoing, offered = render(reply.messages, channel)
            for item in outgoing:
                enqueue(session, address, item.body, kind=MessageKind.FOLLOW_UP, options=item.options)
            person.last_options = offered
            follow_up.status, follow_up.sent_at = FollowUpStatus.SENT, utcnow()
            session.commit()
        self._notify()
        log_event("follow_up_sent", follow_up_id=follow_up_id, channel=channel)
        return 1
