"""Erasure: what is deleted about a person, and what must then happen to the dialogue engine's record.

Rasa keeps its own copy of each conversation (the tracker store), keyed by the person's
`conversation_id`. Our records can be deleted in our transaction, but Rasa's copy can only be
deleted once Rasa is not in the middle of a turn for it. So erasure never touches Rasa: it
starts a fresh conversation id and returns the old one in `conversation_ids_to_forget`, and the
caller forgets it (the gateway after the turn, the CLI and retention straight away).

Two erasures share the rule:
- "forget me" (the person asks, or an operator runs `erase-person`): everything we hold goes, the
  person row and its id included. What must stay a moment longer is moved to a fresh, empty person
  that nothing links to what was erased: the channel address while a reply is still to go (the
  confirmation, marked `farewell` by the gateway; once the outbox has finished with it,
  `forget_address_once_told` deletes the address and its messages), and an opted-out address for
  good, so an opt-out still holds (the suppression record: the address with `opted_out`). The
  audit trail keeps who looked at the person and when, with the person's id replaced by the
  erasure request's reference (`erased:<request id>`), so it names nobody.
- retention (no consent to keep, idle, nothing pending): the person goes entirely, or only an
  empty person with its opted-out address stays, so we never text that number again.

tests/e2e/test_forget_me_everywhere.py proves it: after "forget me", no table of the app database
or of Rasa's tracker store holds the number, the ids or the person's words.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from bot.models import (
    AuditLog,
    CaseNote,
    ChannelAddress,
    Consent,
    DeliveryEvent,
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
from bot.statuses import CancelReason, InboundStatus, MessageKind, OutboundStatus

PERSON_RECORDS = (CaseNote, WellbeingAnswer, Outcome, FollowUp, Goal, Handoff, Consent)  # notes before handoffs


@dataclass
class ErasureResult:
    """What the erasure did, and what the caller must still do to the dialogue engine."""

    conversation_ids_to_forget: list[str] = field(default_factory=list)
    request_id: str | None = None  # the ErasureRequest kept as proof ("forget me" only)
    person_removed: bool = False
    kept_as_opt_out: bool = False


def forget_person(session: Session, person_id: str, channel: str) -> ErasureResult:
    """'Forget me': delete what we hold, the person row included, and start a fresh conversation id.

    Messages still waiting (an unsent reply, the message being answered) are kept so they are
    delivered, on an address moved to a fresh person; the outbox and the gateway clear their text
    once done, and the farewell's delivery removes the address (`forget_address_once_told`).
    """
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person with id {person_id}")
    from bot.records.followups import cancel_check_ins

    cancel_check_ins(session, person_id, CancelReason.ERASURE)  # a sender mid-send loses its claim now
    _delete_records(session, person_id)
    addresses = list(person.addresses)
    address_ids = [a.id for a in addresses]
    if address_ids:
        _delete_messages(session, address_ids, OutboundMessage.status != OutboundStatus.QUEUED,
                         InboundMessage.status.in_((InboundStatus.DONE, InboundStatus.HELD)))  # held: kept for a worker
    request = ErasureRequest(channel=channel, completed_at=utcnow())
    session.add(request)
    session.flush()
    _unlink_audit(session, person_id, f"erased:{request.id}")
    result = ErasureResult(conversation_ids_to_forget=[person.conversation_id], request_id=request.id,
                           person_removed=True)
    staying = [a for a in addresses if a.opted_out or _waiting(session, a.id)]
    if staying:  # a new identity: its ids appear nowhere in what was erased
        fresh = Person()
        session.add(fresh)
        for address in staying:
            address.person = fresh
        result.kept_as_opt_out = any(a.opted_out for a in staying)
        session.flush()
    session.delete(person)  # and, by cascade, the addresses that did not move
    session.flush()
    return result


def mark_farewell(session: Session, inbound_id: str) -> int:
    """The gateway, on a turn whose actions erased the person: this turn's replies are the farewell."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.in_reply_to == inbound_id, OutboundMessage.status == OutboundStatus.QUEUED,
               OutboundMessage.kind == MessageKind.REPLY)
        .values(kind=MessageKind.FAREWELL)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def forget_address_once_told(session: Session, address_id: str) -> bool:
    """The outbox has finished with a farewell: the address, its messages and its empty person go.

    Not while anything else waits for the address (the person already wrote again: that is a new
    conversation, kept like any other). An opted-out address stays, as the opt-out record.
    Returns whether the address was deleted.
    """
    address = session.get(ChannelAddress, address_id)
    if address is None or _waiting(session, address_id):
        return False
    _delete_messages(session, [address_id], OutboundMessage.status != OutboundStatus.QUEUED,
                     InboundMessage.status != InboundStatus.PENDING)
    if address.opted_out:
        return False
    person = address.person
    if len(person.addresses) > 1 or _holds_anything(session, person.id):
        person.addresses.remove(address)  # an orphan: deleted by the cascade
    else:
        session.delete(person)  # and its address with it
    session.flush()
    return True


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


def _waiting(session: Session, address_id: str) -> bool:
    """Is something still to be answered or sent for this address?"""
    return bool(session.scalar(select(or_(
        exists().where(OutboundMessage.address_id == address_id, OutboundMessage.status == OutboundStatus.QUEUED),
        exists().where(InboundMessage.address_id == address_id, InboundMessage.status == InboundStatus.PENDING),
    ))))


def _holds_anything(session: Session, person_id: str) -> bool:
    return bool(session.scalar(select(or_(*(exists().where(m.person_id == person_id) for m in PERSON_RECORDS)))))


def _delete_messages(session: Session, address_ids: list[str], outbound_done: Any, inbound_done: Any) -> None:
    outbound = select(OutboundMessage.id).where(OutboundMessage.address_id.in_(address_ids), outbound_done)
    session.execute(delete(DeliveryEvent).where(DeliveryEvent.outbound_id.in_(outbound)))
    session.execute(delete(OutboundMessage).where(OutboundMessage.address_id.in_(address_ids), outbound_done))
    session.execute(delete(InboundMessage).where(InboundMessage.address_id.in_(address_ids), inbound_done))


def _unlink_audit(session: Session, person_id: str, replacement: str) -> None:
    """The audit trail keeps who looked and when; the person's id in it becomes `replacement`."""
    mentions = or_(AuditLog.entity_id == person_id, cast(AuditLog.changes, Text).contains(person_id))
    for row in session.scalars(select(AuditLog).where(mentions)):
        if row.entity_id == person_id:
            row.entity_id = replacement
        row.changes = _replaced(row.changes, person_id, replacement)


def _replaced(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replaced(v, old, new) for v in value]
    if isinstance(value, dict):
        return {_replaced(k, old, new): _replaced(v, old, new) for k, v in value.items()}
    return value


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
