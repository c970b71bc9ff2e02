"""Requests for a human, queued for link workers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Handoff
from bot.statuses import HandoffReason, HandoffStatus

REASONS = frozenset(HandoffReason)


def has_open_handoff(session: Session, person_id: str) -> bool:
    """Whether a link worker has already been asked to get in touch and has not closed it."""
    found = session.scalar(
        select(Handoff.id).where(Handoff.person_id == person_id, Handoff.status != HandoffStatus.CLOSED).limit(1)
    )
    return found is not None


def request_handoff(session: Session, person_id: str, reason: str, *, urgent: bool = False,
    context: dict[str, Any] | None = None) -> Handoff:
    """Open one handoff per person at a time; a new request updates the open one."""
    if reason not in REASONS:
        raise ValueError(f"unknown handoff reason {reason!r}")
    open_one = session.scalar(
        select(Handoff).where(Handoff.person_id == person_id, Handoff.status != HandoffStatus.CLOSED)
    )
    if open_one is not None:
        open_one.urgent = open_one.urgent or urgent
        if urgent:
            open_one.reason = reason
        open_one.context = {**(open_one.context or {}), **(context or {})}
        session.flush()
        return open_one
    handoff = Handoff(person_id=person_id, reason=reason, urgent=urgent, context=context or {})
    session.add(handoff)
    session.flush()
    return handoff
