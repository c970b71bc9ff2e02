"""Retention: what people did not agree to keep is deleted once their conversation goes quiet.

- No consent to keep (said no, or never answered), idle for RETENTION_NO_CONSENT_HOURS: their
  messages, consent answers, closed handoffs and Rasa conversation are deleted, and so is the
  person. An opted-out number is the exception: its channel address (with `opted_out`) and an
  empty person row stay, so we never text it again.
- Anything still pending keeps the person whole until it is done: an unprocessed message, a
  reply not yet sent, a handoff a link worker has not closed, a check-in still scheduled.
- Everyone: answered or sent messages older than RETENTION_MESSAGE_DAYS are deleted (what
  consenting people agreed to keep is their goals and outcomes, not transcripts), and so are
  Rasa conversations idle that long, unless a check-in or handoff is still open.
- Consenting people's goals and outcomes: once a journey's every record is older than
  PSEUDONYMISE_AFTER_DAYS and nothing in it is pending, it is detached from the person onto a
  random stand-in (bot/records/pseudonyms.py), so reports still count it and no one can be found in it.
Logs carry counts only.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.tracker_store import forget_conversation, idle_conversations
from bot.jobs.leases import PROCESS_ID, release, try_acquire
from bot.logging_setup import log_event
from bot.models import (
    ChannelAddress,
    Consent,
    DeliveryEvent,
    FollowUp,
    Goal,
    Handoff,
    InboundMessage,
    OutboundMessage,
    Outcome,
    Person,
    WellbeingAnswer,
    utcnow,
)
from bot.policy.erasure import PERSON_RECORDS, retire_person
from bot.records.pseudonyms import JOURNEY_CONSENTS, detach_journey
from bot.statuses import FOLLOW_UP_PENDING, HANDOFF_ACTIVE, InboundStatus, OutboundStatus

_BATCH = 500
RETENTION_JOB = "retention"  # its lease's name


@dataclass
class RetentionCounts:
    people_removed: int = 0
    people_kept_as_opt_out: int = 0
    people_waiting: int = 0  # no consent, idle, but something is still pending
    inbound_deleted: int = 0
    outbound_deleted: int = 0
    conversations_forgotten: int = 0
    tracker_events_deleted: int = 0
    journeys_pseudonymised: int = 0


def purge_expired(
    sessions: sessionmaker[Session], tracker_db_url: str, *, no_consent_hours: int, message_days: int,
    pseudonymise_after_days: int | None = None, now: datetime | None = None,
) -> RetentionCounts:
    """One retention pass over the app database and Rasa's tracker store; returns what it did.

    `pseudonymise_after_days` None leaves goals and outcomes where they are (the app and the CLI
    always pass the setting)."""
    now = now or utcnow()
    short, long = now - timedelta(hours=no_consent_hours), now - timedelta(days=message_days)
    counts = RetentionCounts()
    if pseudonymise_after_days is not None:
        _pseudonymise_old_journeys(sessions, now - timedelta(days=pseudonymise_after_days), counts)
    forget = _purge_people_without_consent(sessions, short, counts)
    _purge_old_messages(sessions, long, counts)
    for conversation_id in forget:
        counts.tracker_events_deleted += forget_conversation(tracker_db_url, conversation_id)
        counts.conversations_forgotten += 1
    _purge_idle_conversations(sessions, tracker_db_url, short, long, counts)
    return counts


def _via_address(model: type[InboundMessage] | type[OutboundMessage], person_id: object):
    """EXISTS over one person's messages, joined (not IN-subqueried) so it correlates with the outer person."""
    return exists().where(model.address_id == ChannelAddress.id, ChannelAddress.person_id == person_id)


def _pending(person_id: object) -> list:
    """Conditions under which nothing about the person may go yet."""
    inbound, outbound = _via_address(InboundMessage, person_id), _via_address(OutboundMessage, person_id)
    return [
        inbound.where(InboundMessage.status == InboundStatus.PENDING),
        outbound.where(OutboundMessage.status == OutboundStatus.QUEUED),
        exists().where(Handoff.person_id == person_id, Handoff.status.in_(HANDOFF_ACTIVE)),
        exists().where(FollowUp.person_id == person_id, FollowUp.status.in_([str(x) for x in FOLLOW_UP_PENDING])),
    ]


def _recent(person_id: object, since: datetime) -> list:
    """Signs the conversation is not yet idle."""
    return [
        Person.created_at >= since,
        _via_address(InboundMessage, person_id).where(InboundMessage.received_at >= since),
        _via_address(OutboundMessage, person_id).where(
            or_(OutboundMessage.created_at >= since, OutboundMessage.sent_at >= since)),
        exists().where(Handoff.person_id == person_id, or_(Handoff.created_at >= since, Handoff.closed_at >= since)),
    ]


def _no_consent() -> ColumnElement[bool]:
    return or_(Person.consent_to_keep.is_(None), Person.consent_to_keep.is_(False))


def _purge_people_without_consent(sessions: sessionmaker[Session], since: datetime, counts: RetentionCounts) -> list[str]:
    """Delete idle people without consent; returns their old Rasa conversation ids."""
    with sessions() as session:
        idle = select(Person.id).where(_no_consent(), ~or_(*_recent(Person.id, since)))
        counts.people_waiting = len(session.scalars(idle.where(or_(*_pending(Person.id)))).all())
        candidates = list(session.scalars(idle.where(~or_(*_pending(Person.id)))))
    forget: list[str] = []
    for person_id in candidates:
        with sessions() as session:
            # Checked again inside the transaction that deletes: a message may have come in since.
            person = session.scalar(
                select(Person).where(Person.id == person_id, _no_consent(), ~or_(*_recent(Person.id, since)),
                                     ~or_(*_pending(Person.id)))
            )
            if person is None or _is_opt_out_shell(session, person):
                continue
            forget.extend(_erase(session, person, counts))
            session.commit()
    return forget


def _journey_is_old(person_id: object, before: datetime) -> list:
    """Conditions that all hold once nothing in the person's journey is newer than `before`."""
    journey_consent = (Consent.person_id == person_id) & Consent.purpose.in_([str(p) for p in JOURNEY_CONSENTS])
    return [
        ~exists().where(Goal.person_id == person_id, Goal.created_at >= before),
        ~exists().where(Outcome.person_id == person_id, Outcome.recorded_at >= before),
        ~exists().where(WellbeingAnswer.person_id == person_id, WellbeingAnswer.recorded_at >= before),
        ~exists().where(FollowUp.person_id == person_id, or_(
            FollowUp.due_on >= before.date(), FollowUp.sent_at >= before, FollowUp.reminded_at >= before,
            FollowUp.answered_at >= before, FollowUp.closed_at >= before)),
        ~exists().where(journey_consent, or_(Consent.created_at >= before, Consent.withdrawn_at >= before)),
    ]


def _has_journey(person_id: object) -> ColumnElement[bool]:
    return or_(*(exists().where(model.person_id == person_id) for model in (Goal, FollowUp, WellbeingAnswer, Outcome)))


def _pseudonymise_old_journeys(sessions: sessionmaker[Session], before: datetime, counts: RetentionCounts) -> None:
    """Consenting people whose goals and outcomes are all older than `before`: detached onto stand-ins."""
    def old(person_id: object) -> list:
        return [Person.pseudonym.is_(False), Person.consent_to_keep.is_(True), _has_journey(person_id),
                *_journey_is_old(person_id, before), ~or_(*_pending(person_id))]

    with sessions() as session:
        candidates = list(session.scalars(select(Person.id).where(*old(Person.id))))
    for person_id in candidates:
        with sessions() as session:
            # Checked again inside the transaction that moves them: a check-in may have been answered since.
            # FOR UPDATE (PostgreSQL) also holds off a goal or score being written for them meanwhile,
            # since inserting a row that refers to the person takes a key-share lock on it.
            person = session.scalar(select(Person).where(Person.id == person_id, *old(Person.id)).with_for_update())
            if person is None:
                continue
            detach_journey(session, person)
            counts.journeys_pseudonymised += 1
            session.commit()


def _is_opt_out_shell(session: Session, person: Person) -> bool:
    """Already reduced to an opted-out address: nothing left to delete."""
    if not person.addresses or not all(a.opted_out for a in person.addresses) or person.last_options:
        return False
    address_ids = [a.id for a in person.addresses]
    held = [
        exists().where(InboundMessage.address_id.in_(address_ids)),
        exists().where(OutboundMessage.address_id.in_(address_ids)),
        *(exists().where(model.person_id == person.id) for model in PERSON_RECORDS),
    ]
    return not session.scalar(select(or_(*held)))


def _erase(session: Session, person: Person, counts: RetentionCounts) -> list[str]:
    """The person's messages (in batches), then the rest by the erasure rule; returns what Rasa must forget."""
    address_ids = [a.id for a in person.addresses]
    counts.inbound_deleted += _delete_messages(session, InboundMessage, InboundMessage.address_id.in_(address_ids))
    counts.outbound_deleted += _delete_messages(session, OutboundMessage, OutboundMessage.address_id.in_(address_ids))
    result = retire_person(session, person)
    counts.people_removed += int(result.person_removed)
    counts.people_kept_as_opt_out += int(result.kept_as_opt_out)
    return result.conversation_ids_to_forget


def _delete_messages(session: Session, model: type[InboundMessage] | type[OutboundMessage], where: object) -> int:
    ids = list(session.scalars(select(model.id).where(where)))  # type: ignore[arg-type]
    for i in range(0, len(ids), _BATCH):
        chunk = ids[i:i + _BATCH]
        if model is OutboundMessage:
            session.execute(delete(DeliveryEvent).where(DeliveryEvent.outbound_id.in_(chunk)))
        session.execute(delete(model).where(model.id.in_(chunk)))
    return len(ids)


def _purge_old_messages(sessions: sessionmaker[Session], before: datetime, counts: RetentionCounts) -> None:
    """Answered and sent messages older than the long window, whoever they belong to."""
    with sessions() as session:
        counts.inbound_deleted += _delete_messages(
            session, InboundMessage,
            (InboundMessage.status != InboundStatus.PENDING) & (InboundMessage.received_at < before))
        counts.outbound_deleted += _delete_messages(
            session, OutboundMessage,
            (OutboundMessage.status != OutboundStatus.QUEUED) & (OutboundMessage.created_at < before))
        session.commit()


def _purge_idle_conversations(
    sessions: sessionmaker[Session], tracker_db_url: str, short: datetime, long: datetime, counts: RetentionCounts,
) -> None:
    """Rasa conversations idle past their window: no person behind them, no consent, or quiet too long."""
    idle = idle_conversations(tracker_db_url, short.timestamp())
    ids = list(idle)
    for i in range(0, len(ids), _BATCH):
        chunk = ids[i:i + _BATCH]
        with sessions() as session:
            people = {p.conversation_id: p for p in session.scalars(select(Person).where(Person.conversation_id.in_(chunk)))}
            doomed = []
            for conversation_id in chunk:
                person = people.get(conversation_id)
                if person is not None:
                    if session.scalar(select(or_(*_pending(person.id)))):
                        continue
                    if person.consent_to_keep and idle[conversation_id] >= long.timestamp():
                        continue
                doomed.append(conversation_id)
        for conversation_id in doomed:
            counts.tracker_events_deleted += forget_conversation(tracker_db_url, conversation_id)
            counts.conversations_forgotten += 1


class RetentionScheduler:
    """Runs `purge_expired` every interval, off the event loop, like the follow-up scheduler.

    Every app process runs one, but a pass only runs in the process holding the "retention" lease
    (bot/jobs/leases.py): the holder renews it each pass, and if it dies another process takes
    over once the lease (one and a half intervals) has run out.
    """

    def __init__(
        self, sessions: sessionmaker[Session], tracker_db_url: str, *, no_consent_hours: int, message_days: int,
        interval_seconds: float, holder: str = PROCESS_ID, pseudonymise_after_days: int | None = None,
    ) -> None:
        self._sessions, self._tracker_db_url = sessions, tracker_db_url
        self._pseudonymise_after_days = pseudonymise_after_days
        self._holder = holder
        self._no_consent_hours, self._message_days = no_consent_hours, message_days
        self._interval = interval_seconds
        self._lease = timedelta(seconds=interval_seconds * 1.5)
        self._stopping = False

    async def run(self) -> None:
        # The first pass waits a little: start-up stays quick, and a short-lived app (a test
        # client) never sweeps a tracker store it was not meant for.
        await asyncio.sleep(min(self._interval, 300.0))
        while not self._stopping:
            try:
                await asyncio.to_thread(self.run_once)
            except Exception:
                log_event("retention_error", level=logging.ERROR)
            await asyncio.sleep(self._interval)

    def run_once(self) -> RetentionCounts | None:
        """One pass if this process holds (or now takes) the lease; None if another process has it."""
        with self._sessions() as session:
            if not try_acquire(session, RETENTION_JOB, self._lease, holder=self._holder):
                log_event("retention_skipped")
                return None
        counts = purge_expired(
            self._sessions, self._tracker_db_url, no_consent_hours=self._no_consent_hours, message_days=self._message_days,
            pseudonymise_after_days=self._pseudonymise_after_days,
        )
        log_event("retention_done", **asdict(counts))
        return counts

    def stop(self) -> None:
        """Stop, and hand the lease on at once rather than when it runs out."""
        self._stopping = True
        try:
            with self._sessions() as session:
                release(session, RETENTION_JOB, holder=self._holder)
        except Exception:  # the database may already be gone at shutdown; the lease then expires
            log_event("retention_release_failed", level=logging.WARNING)
