"""The application's records: people, consent, goals, outcomes, handoffs, messages, console users.

What we keep about a person exists only because they agreed in the conversation (a Consent
row says what, when and in which words). Message text is operational: kept only until it is
answered or delivered, then cleared, so the database never becomes a transcript archive.

Every status, kind, reason, purpose and role column holds values of one enum in bot/statuses.py,
named in the column's `info["enum"]` (tests/test_statuses.py checks stored rows against it).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.statuses import (
    ConsentPurpose,
    FollowUpStatus,
    GoalStatus,
    HandoffOutcome,
    HandoffReason,
    HandoffStatus,
    InboundStatus,
    MessageKind,
    OutboundStatus,
    OutcomeKind,
    Precheck,
    Role,
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Person(Base):
    """A resident. Rasa only ever sees `conversation_id`, never a phone number."""

    __tablename__ = "person"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # None until asked; True/False is the answer they gave in the conversation.
    consent_to_keep: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Kept only with consent_to_keep; used to group outcomes by deprivation decile.
    postcode_district: Mapped[str | None] = mapped_column(String(8), nullable=True)
    imd_decile: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Kept only with consent_to_keep, for the link worker: what matters in the person's own words
    # (their message, made SMS-safe) beside the need keys it was read as.
    what_matters: Mapped[str | None] = mapped_column(Text, nullable=True)
    needs: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # Options the bot last offered, so "2" or a Telegram button maps back to a payload.
    last_options: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    holding_reply_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The privacy notice version we last asked them about after it changed (bot/gateway asks once).
    notice_asked_version: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # A stand-in, not a resident: old goals and outcomes detached from a person so reports still
    # count them (bot/records/pseudonyms.py). It has no address and no conversation anyone had.
    pseudonym: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    addresses: Mapped[list[ChannelAddress]] = relationship(back_populates="person", cascade="all, delete-orphan")


class ChannelAddress(Base):
    """How to reach a person on one channel: a phone number, a Telegram chat, a web chat session."""

    __tablename__ = "channel_address"
    __table_args__ = (UniqueConstraint("channel", "address"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # A registered channel (bot/channels/registry.py); the values are in bot.statuses.Channel.
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person] = relationship(back_populates="addresses")


class Consent(Base):
    """One answer to one consent question, with the words the person was shown."""

    __tablename__ = "consent"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32), info={"enum": ConsentPurpose})
    given: Mapped[bool] = mapped_column(Boolean)
    wording: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))  # where it was given; "demo" for made-up demo people
    # The privacy notice version (PRIVACY_NOTICE_VERSION) in force when they answered; None: before versions.
    notice_version: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Goal(Base):
    """A goal in the person's own words, usually tied to one directory listing."""

    __tablename__ = "goal"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consent.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    need: Mapped[str | None] = mapped_column(String(32), nullable=True)
    service_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    service_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=GoalStatus.OPEN, info={"enum": GoalStatus})
    checkin_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FollowUp(Base):
    """One check-in of a series the person agreed to (e.g. at 2, 6 and 12 weeks), and its answers.

    `due_at` is when the next step falls due: the send time (inside the sending hours, spread
    over them) while scheduled, the reminder time once sent, the close time once reminded.
    A sender claims the row (status claimed, with an expiry) before sending; see bot/jobs/followups.py.
    """

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_status_due_at", "status", "due_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[str | None] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), nullable=True, index=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consent.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer, default=1)  # 1st, 2nd, 3rd check-in of this goal
    due_on: Mapped[date] = mapped_column(Date, index=True)  # the day it falls due (London)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=FollowUpStatus.SCHEDULED, info={"enum": FollowUpStatus})
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)  # see CancelReason
    # The answers to this check-in (wellbeing items are in wellbeing_answer, tied to this row).
    attended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # "did you go?"
    progress: Mapped[str | None] = mapped_column(String(16), nullable=True)  # a PROGRESS_SCALE key
    progress_gas: Mapped[int | None] = mapped_column(Integer, nullable=True)  # Goal Attainment Scaling -2..+2
    barrier: Mapped[str | None] = mapped_column(String(16), nullable=True)  # why it did not work (BARRIERS)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # "what helped or got in the way", with consent


class WellbeingAnswer(Base):
    """One answer to one item of a wellbeing instrument (ONS4), at baseline or at a check-in.

    Stored per item with the instrument and the version of its wording, so a second measure can
    be added by configuration (bot/records/measures.py) and answers are never pooled across wordings.
    """

    __tablename__ = "wellbeing_answer"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[str | None] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), nullable=True, index=True)
    follow_up_id: Mapped[str | None] = mapped_column(
        ForeignKey("follow_up.id", ondelete="CASCADE"), nullable=True, index=True
    )
    timepoint: Mapped[str] = mapped_column(String(16))  # baseline | follow_up
    instrument: Mapped[str] = mapped_column(String(16))  # ons4
    instrument_version: Mapped[str] = mapped_column(String(32))
    # life_satisfaction | worthwhile | happy_yesterday | anxious_yesterday
    item: Mapped[str] = mapped_column(String(32))
    value: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 0-10; None when skipped
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Outcome(Base):
    """A measured difference: a wellbeing score or goal progress, at a point in the journey."""

    __tablename__ = "outcome"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[str | None] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32), info={"enum": OutcomeKind})
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    value: Mapped[str | None] = mapped_column(String(32), nullable=True)  # goal progress: a GoalStatus
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Handoff(Base):
    """A request for a human: link workers work this queue."""

    __tablename__ = "handoff"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32), info={"enum": HandoffReason})
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=HandoffStatus.OPEN, info={"enum": HandoffStatus})
    # Only what the person agreed to share (needs, area, goal), never message text, except on a
    # crisis flag: there a link worker must read what the person wrote ("words").
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True, info={"enum": HandoffOutcome})
    # When the person was told a person is replying (once per handoff, on their first held message).
    person_told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CaseNote(Base):
    """A link worker's note about a person: who wrote it and when. Exported and erased with them."""

    __tablename__ = "case_note"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    handoff_id: Mapped[str | None] = mapped_column(ForeignKey("handoff.id", ondelete="SET NULL"), nullable=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ErasureRequest(Base):
    """'Forget me': kept without any link to the person, as proof it was done."""

    __tablename__ = "erasure_request"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))  # the channel it was asked on


class InboundMessage(Base):
    """Stored before any processing, keyed by the provider's id, so nothing is lost or done twice."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        Index("ix_inbound_status_received", "status", "received_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(16))  # a registered channel
    provider_id: Mapped[str] = mapped_column(String(128))
    address_id: Mapped[str] = mapped_column(ForeignKey("channel_address.id", ondelete="CASCADE"), index=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # cleared once answered
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)  # a button/option payload
    has_media: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.PENDING, info={"enum": InboundStatus})
    # Set once the checks that never wait for the queue (risk, STOP/START) ran (bot/gateway/precheck.py).
    precheck: Mapped[str | None] = mapped_column(String(16), nullable=True, info={"enum": Precheck})
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When it was answered; while still pending, when it was first handed to Rasa. A pending message
    # handed over before may have had its turn taken and only the answer lost (a process died), so
    # the gateway looks in the tracker store before sending it again (tracker_store.taken_turn).
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OutboundMessage(Base):
    """The outbox: every reply leaves from here, with retries and delivery status."""

    __tablename__ = "outbound_message"
    __table_args__ = (Index("ix_outbound_status_next", "status", "next_attempt_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    address_id: Mapped[str] = mapped_column(ForeignKey("channel_address.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # a registered channel
    kind: Mapped[str] = mapped_column(String(16), default=MessageKind.REPLY, info={"enum": MessageKind})
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    options: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=OutboundStatus.QUEUED, info={"enum": OutboundStatus})
    provider_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    segments: Mapped[int | None] = mapped_column(Integer, nullable=True)
    encoding: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # A safety text that could not be delivered raised its urgent flag at this time (once).
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The lease of the process sending it now (bot/gateway/outbox.py): another process may take the
    # message only once `lease_until` has passed, so a crashed process's messages are still sent.
    claimed_by: Mapped[str | None] = mapped_column(String(96), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Set while an attempt's outcome is unknown (in flight, the sender crashed, or the provider's
    # answer was lost): the next attempt first asks the provider whether it already has it.
    attempt_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DeliveryEvent(Base):
    """A status callback from a provider (queued, sent, delivered, undelivered, failed).

    `outbound_id` is empty while the provider's id is not yet saved on our message (see
    `bot/channels/sms_status.py`); the outbox links it when it is.
    """

    __tablename__ = "delivery_event"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    outbound_id: Mapped[str | None] = mapped_column(ForeignKey("outbound_message.id", ondelete="CASCADE"), nullable=True, index=True)
    # Indexed: a callback can beat the sid being saved, so each send looks for early ones by it.
    provider_id: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16))  # the provider's own word, as reported (not ours)
    error_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsoleUser(Base):
    __tablename__ = "console_user"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), info={"enum": Role})
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Made by the demo set-up: refused at login unless DEMO_MODE is on.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Two-step login (TOTP, RFC 6238) once enrolled; the last time step used, so a code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ConsoleSession(Base):
    """A console login, held on the server so it can be ended: the cookie only carries its token.

    `id` is the SHA-256 of the random 256-bit token in the cookie, so the table alone lets no one
    log in. `user_stamp` fingerprints the user's role, password, activity and two-step secret when
    the session began; any change to them ends every session of that user at its next request.
    """

    __tablename__ = "console_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("console_user.id", ondelete="CASCADE"), index=True)
    user_stamp: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginThrottle(Base):
    """Failed console logins counted per account and per client address, and any lock on them.

    `key` is "account:<username>" or "address:<client address>"; rows exist for names that are
    not users too, so a locked name looks the same whether or not the account exists.
    """

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditLog(Base):
    """Who changed what, when: for directory edits and any console action on a person."""

    __tablename__ = "audit_log"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class JobLease(Base):
    """Which process runs a periodic job (sweeps, retention) right now, and until when.

    Several app processes share one database; a job whose lease has expired is taken over by
    another, so a crashed process never stops the job for long (bot/jobs/leases.py)."""

    __tablename__ = "job_lease"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(96))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportRelease(Base):
    """One released outcomes report: a whole month or quarter, computed once after it closed, then kept.

    Only the published figures are stored (already suppressed and rounded by bot/reports/disclosure.py),
    never the counts behind them, so re-viewing after an erasure or a late change reveals nothing new."""

    __tablename__ = "report_release"
    period_key: Mapped[str] = mapped_column(String(16), primary_key=True)  # "2026-10" or "2026-Q3"
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rule_version: Mapped[str] = mapped_column(String(64))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
