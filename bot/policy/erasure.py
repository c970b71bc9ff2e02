"""Erasure: what is deleted about a person, and what must then happen to the dialogue engine's record.

Rasa keeps its own copy of each conversation (the tracker store), keyed by the person's
`conversation_id`. Our records can be deleted in our transaction, but Rasa's copy can only be
deleted once Rasa is not in the middle of a turn for it. So erasure never touches Rasa: it
starts a fresh conversation id and returns the old one in `conversation_ids_to_forget`, and the
caller forgets it (the gateway after the turn, the CLI and retention straight away).

Two erasures share the rule:
- "forget me" (the person asks, or an operator runs `erase-person`): everything we hold goes,
  except the channel address, so the confirmation can be delivered and an opt-out still holds.
- retention (no consent to keep, idle, nothing pending): the person goes entirely, or only an
  empty person with its opted-out address stays, so we never text that number again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.models import (
    CaseNote,
    Consent,
    ErasureRequest,
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
from bot.statuses import CancelReason, InboundStatus, OutboundStatus

PERSON_RECORDS = (CaseNote, WellbeingAnswer, Outcome, FollowUp, Goal, Handoff, Consent)  # notes before handoffs


@dataclass
class ErasureResult:
    """What the erasure did, and what the caller must still do to the dialogue engine."""

    conversation_ids_to_forget: list[str] = field(default_factory=list)
    request_id: str | None = None  # the ErasureRequest kept as proof ("forget me" only)
    person_removed: bool = False
    kept_as_opt_out: bool = False


def forget_person(session: Session, person_id: str, channel: str) -> ErasureResult:
    """'Forget me': delete what we hold and start a fresh conversation id.

    Messages still waiting (an unsent reply, the confirmation itself) are kept so they are
    delivered; the outbox and the gateway clear their text once done.
    """
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person with id {person_id}")
    from bot.records.followups import cancel_check_ins

    cancel_check_ins(session, person_id, CancelReason.ERASURE)  # a sender mid-send loses its claim now
    _delete_records(session, person_id)
    address_ids = [a.id for a in person.addresses]
    if address_ids:
        session.execute(delete(OutboundMessage).where(
            OutboundMessage.address_id.in_(address_ids), OutboundMessage.status != OutboundStatus.QUEUED))
        session.execute(delete(InboundMessage).where(
            InboundMessage.address_id.in_(address_ids),
            InboundMessage.status.in_((InboundStatus.DONE, InboundStatus.HELD))))  # held: kept for a link worker
    result = ErasureResult(conversation_ids_to_forget=[_reset(person)])
    request = ErasureRequest(channel=channel, completed_at=utcnow())
    session.add(request)
    session.flush()
    result.request_id = request.id
    return result


def retire_person(session: Session, person: Person) -> ErasureResult:
    """Retention: the person's records go, and the person too unless an address opted out.

    The caller has checked nothing is pending and has deleted the person's messages (in batches).
    """
    _delete_records(session, person.id)
    if not any(a.opted_out for a in person.addresses):
        old = person.conversation_id
        session.delete(person)
        return ErasureResult(conversation_ids_to_forget=[old], person_removed=True)
    for address in person.addresses:
        if not address.opted_out:
            session.delete(address)
    return ErasureResult(conversation_ids_to_forget=[_reset(person)], kept_as_opt_out=True)


def _delete_records(session: Session, person_id: str) -> None:
    for model in PERSON_RECORDS:
        session.execute(delete(model).where(model.person_id == person_id))


def _reset(person: Person) -> str:
    """Clear what the person row itself holds; returns the conversation id it had."""
    old = person.conversation_id
    person.consent_to_keep = None
    person.postcode_district = None
    person.imd_decile = None
    person.what_matters = None  # their own words, kept with consent (bot/records/people.keep_what_matters)
    person.needs = None
    person.last_options = None
    person.holding_reply_sent_at = None
    person.conversation_id = str(uuid.uuid4())
    return old
