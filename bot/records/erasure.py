"""'What do you hold about me': every record about a person, exported as plain data.

Erasing them ("forget me", retention) is a rule that crosses processes: `bot/policy/erasure.py`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    CaseNote,
    ChannelAddress,
    Consent,
    FollowUp,
    Goal,
    Handoff,
    InboundMessage,
    Outcome,
    Person,
    WellbeingAnswer,
)
from bot.statuses import InboundStatus


def export_person(session: Session, person_id: str) -> dict[str, Any]:
    """Everything held about one person, as plain data (for a subject access request)."""
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person with id {person_id}")

    def rows(model: type) -> list[dict[str, Any]]:
        found: Any = session.scalars(select(model).where(model.person_id == person_id))  # type: ignore[attr-defined]
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
        "case_notes": rows(CaseNote),
        "messages_kept_for_link_worker": [
            {"received_at": _plain(m.received_at), "channel": m.channel, "text": m.text}
            for m in session.scalars(
                select(InboundMessage).join(ChannelAddress, ChannelAddress.id == InboundMessage.address_id)
                .where(ChannelAddress.person_id == person_id, InboundMessage.status == InboundStatus.HELD)
                .order_by(InboundMessage.received_at)
            )
        ],
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
