"""Requests for a human and their life cycle: new, claimed, in conversation, handed back or closed.

One handoff per person is active at a time. A claim is one conditional UPDATE (`WHERE status =
open`), so two workers pressing "claim" together cannot both win. While a worker holds the
handoff the bot is paused for that person: the gateway calls `hold_for_worker` after its safety
checks, and the message is kept (with its text) for the worker instead of going to Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.gateway import messages as texts
from bot.models import CaseNote, ChannelAddress, Handoff, InboundMessage, utcnow
from bot.statuses import (
    HANDOFF_ACTIVE,
    HANDOFF_HELD,
    HandoffOutcome,
    HandoffReason,
    HandoffStatus,
    InboundStatus,
    MessageKind,
)

REASONS = frozenset(HandoffReason)
OUTCOMES = frozenset(HandoffOutcome)
HELD_ROUTE = "held_by_worker"  # the route the gateway logs for a message kept for a worker


def has_open_handoff(session: Session, person_id: str) -> bool:
    """Whether a link worker has already been asked to get in touch and has not finished with it."""
    return active_handoff(session, person_id) is not None


def request_handoff(
    session: Session, person_id: str, reason: str, *, urgent: bool = False, context: dict[str, Any] | None = None,
) -> Handoff:
    """Open one handoff per person at a time; a new request updates the active one (not a finished one)."""
    if reason not in REASONS:
        raise ValueError(f"unknown handoff reason {reason!r}")
    active = active_handoff(session, person_id)
    if active is not None:
        active.urgent = active.urgent or urgent
        if urgent:
            active.reason = reason
        active.context = {**(active.context or {}), **(context or {})}
        session.flush()
        return active
    handoff = Handoff(person_id=person_id, reason=reason, urgent=urgent, context=context or {})
    session.add(handoff)
    session.flush()
    return handoff


def active_handoff(session: Session, person_id: str) -> Handoff | None:
    return session.scalar(
        select(Handoff).where(Handoff.person_id == person_id, Handoff.status.in_(HANDOFF_ACTIVE))
        .order_by(Handoff.created_at.desc()).limit(1)
    )


# Built once: asked on every turn (building a statement cost more than running it).
_HELD = (
    select(Handoff).where(Handoff.person_id == bindparam("person_id"), Handoff.status.in_(HANDOFF_HELD))
    .order_by(Handoff.created_at.desc()).limit(1)
)


def held_clause(person_id: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """SQL for "a worker holds this person", to fold into a query that loads the person anyway
    (the gateway's per-turn look-up), so the common answer, no, costs no query of its own."""
    return exists().where(Handoff.person_id == person_id, Handoff.status.in_(HANDOFF_HELD))


def held_by_worker(session: Session, person_id: str) -> Handoff | None:
    """The handoff through which a worker holds this person's conversation, if one does."""
    return session.scalar(_HELD, {"person_id": person_id})


def hold_for_worker(
    session: Session, inbound: InboundMessage, address: ChannelAddress, *, held: bool | None = None,
) -> bool:
    """If a worker holds this person, keep the message for them (not for Rasa); True if so.

    The first message held on a handoff tells the person a person is replying; later ones do not.
    `held`: what `held_clause` said in the caller's transaction (None: look here).
    """
    if held is False:
        return False
    handoff = held_by_worker(session, address.person_id)
    if handoff is None:
        return False
    from bot.gateway.outbox import enqueue  # here: the outbox's channels import the crisis policy, which imports us
    inbound.status, inbound.processed_at = InboundStatus.HELD, utcnow()
    if handoff.person_told_at is None:
        enqueue(session, address, texts.PERSON_REPLYING, kind=MessageKind.REPLY, in_reply_to=inbound.id)
        handoff.person_told_at = utcnow()
    session.flush()
    return True


@dataclass(frozen=True)
class ClaimResult:
    ok: bool
    holder: str | None  # who has it now (the claimer, or the worker who got there first)
    status: str


def claim(session: Session, handoff_id: str, username: str) -> ClaimResult:
    """Take a new handoff; atomic, so only one worker wins. The caller commits."""
    won = session.execute(
        update(Handoff).where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.OPEN)
        .values(status=HandoffStatus.CLAIMED, claimed_by=username, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount == 1  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise LookupError(handoff_id)
    session.refresh(handoff)
    return ClaimResult(won, handoff.claimed_by, handoff.status)


def reassign(session: Session, handoff_id: str, username: str) -> bool:
    """An admin gives a held (or new) handoff to another worker; False if it is already finished."""
    moved = session.execute(
        update(Handoff).where(Handoff.id == handoff_id, Handoff.status.in_(HANDOFF_ACTIVE))
        .values(claimed_by=username, claimed_at=utcnow(),
                status=_claimed_or_kept(session, handoff_id))
        .execution_options(synchronize_session=False)
    ).rowcount == 1  # type: ignore[attr-defined]
    handoff = session.get(Handoff, handoff_id)
    if handoff is not None:
        session.refresh(handoff)
    return moved


def _claimed_or_kept(session: Session, handoff_id: str) -> str:
    status = session.scalar(select(Handoff.status).where(Handoff.id == handoff_id))
    return HandoffStatus.IN_CONVERSATION if status == HandoffStatus.IN_CONVERSATION else HandoffStatus.CLAIMED


def mark_in_conversation(handoff: Handoff) -> None:
    if handoff.status == HandoffStatus.CLAIMED:
        handoff.status = HandoffStatus.IN_CONVERSATION


def hand_back(session: Session, handoff: Handoff, username: str) -> None:
    """Finish and give the person back to the bot: they are told, and their next text goes to Rasa.

    Numbered options shown before the handoff are forgotten, so a reply of "1" cannot pick
    something from a list the person saw long ago.
    """
    from bot.gateway.outbox import enqueue  # here, as in hold_for_worker

    _finish(handoff, HandoffStatus.HANDED_BACK, username, None)
    address = reply_address(session, handoff.person_id)
    if address is not None:
        enqueue(session, address, texts.BACK_WITH_BOT, kind=MessageKind.REPLY)
        address.person.last_options = None
    session.flush()


def close(session: Session, handoff: Handoff, username: str, outcome: str) -> None:
    """Finish with an outcome; the bot answers the person again from their next text."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown handoff outcome {outcome!r}")
    _finish(handoff, HandoffStatus.CLOSED, username, outcome)
    session.flush()


def _finish(handoff: Handoff, status: str, username: str, outcome: str | None) -> None:
    if handoff.status not in HANDOFF_ACTIVE:
        raise ValueError("this handoff is already finished")
    handoff.status, handoff.closed_at, handoff.closed_by, handoff.outcome = status, utcnow(), username, outcome


def reply_address(session: Session, person_id: str) -> ChannelAddress | None:
    """The person's own channel: the address they last wrote from (else the newest one)."""
    last = session.scalar(
        select(ChannelAddress).join(InboundMessage, InboundMessage.address_id == ChannelAddress.id)
        .where(ChannelAddress.person_id == person_id).order_by(InboundMessage.received_at.desc()).limit(1)
    )
    if last is not None:
        return last
    return session.scalar(
        select(ChannelAddress).where(ChannelAddress.person_id == person_id).order_by(ChannelAddress.created_at.desc())
    )


def add_note(session: Session, person_id: str, author: str, text: str, handoff_id: str | None = None) -> CaseNote:
    note = CaseNote(person_id=person_id, author=author, text=text.strip(), handoff_id=handoff_id)
    if not note.text:
        raise ValueError("a note cannot be empty")
    session.add(note)
    session.flush()
    return note


def notes_for(session: Session, person_id: str) -> list[CaseNote]:
    return list(session.scalars(select(CaseNote).where(CaseNote.person_id == person_id).order_by(CaseNote.created_at)))
