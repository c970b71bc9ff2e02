"""'Forget me' and 'what do you hold about me': every record can be exported and erased."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.models import (
    ChannelAddress,
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
from bot.records.followups import cancel_check_ins
from bot.statuses import CancelReason, InboundStatus, OutboundStatus

_PERSON_TABLES = (WellbeingAnswer, Outcome, FollowUp, Goal, Handoff, Consent)


def export_person(session: Session, person_id: str) -> dict[str, Any]:
    """Everything held about one person, as plain data (for a subject access request)."""
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person with id {person_id}")

    def rows(model: type) -> list[dict[str, Any]]:
        found = session.scalars(select(model).where(model.person_id == person_id))  # type: ignore[attr-defined]
        return [{c.name: _plain(getattr(r, c.name)) for c in model.__table__.columns} for r in found]  # type: ignore[attr-defined]

    return {
        "person": {c.name: _plain(getattr(person, c.name)) for c in Person.__table__.columns},
        "addresses": rows(ChannelAddress),
        "consents": rows(Consent),
        "goals": rows(Goal),
        "follow_ups": rows(FollowUp),
        "outcomes": rows(Outcome),
        "wellbeing_answers": rows(WellbeingAnswer),
        "handoffs": rows(Handoff),
    }


def erase_person(session: Session, person_id: str, channel: str) -> ErasureRequest:
    """Delete what we hold and start a fresh conversation id.

    The channel address stays so the confirmation can be delivered and an opt-out is still
    honoured; it carries nothing else. The caller also resets the Rasa tracker.
    """
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person with id {person_id}")
    cancel_check_ins(session, person_id, CancelReason.ERASURE)  # a sender mid-send loses its claim now
    for model in _PERSON_TABLES:
        session.execute(delete(model).where(model.person_id == person_id))  # type: ignore[attr-defined]
    address_ids = [a.id for a in person.addresses]
    if address_ids:
        session.execute(
            delete(OutboundMessage).where(
                OutboundMessage.address_id.in_(address_ids), OutboundMessage.status != OutboundStatus.QUEUED
            )
        )
        session.execute(
            delete(InboundMessage).where(
                InboundMessage.address_id.in_(address_ids), InboundMessage.status == InboundStatus.DONE
            )
        )
    person.consent_to_keep = None
    person.postcode_district = None
    person.imd_decile = None
    person.last_options = None
    person.conversation_id = str(uuid.uuid4())
    request = ErasureRequest(channel=channel, completed_at=utcnow())
    session.add(request)
    session.flush()
    return request


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
