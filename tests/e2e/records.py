"""Reading what the application kept about a web-chat resident, for end-to-end assertions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.db import session_scope
from bot.models import ChannelAddress, Consent, ErasureRequest, FollowUp, Goal, Handoff, Outcome, Person


@dataclass
class Kept:
    person: Person | None
    consents: list[Consent]
    goals: list[Goal]
    follow_ups: list[FollowUp]
    handoffs: list[Handoff]
    outcomes: list[Outcome]
    erasures: list[ErasureRequest]
    opted_out: bool = False


def kept_for(stack, phone) -> Kept:
    with session_scope(stack.database_url) as session:
        address = session.scalar(select(ChannelAddress).where(ChannelAddress.address == phone.client.cookies["webchat_id"]))
        person_id = address.person_id if address else None
        person = session.get(Person, person_id) if person_id else None

        def rows(model):
            return list(session.scalars(select(model).where(model.person_id == person_id))) if person_id else []

        kept = Kept(person, rows(Consent), rows(Goal), rows(FollowUp), rows(Handoff), rows(Outcome), [],
                    opted_out=bool(address and address.opted_out))
        kept.erasures = list(session.scalars(select(ErasureRequest)))
        session.expunge_all()
    return kept


def listed(replies: list[str]) -> list[str]:
    """The numbered matches in a turn's replies ("1) Name. When. Where...")."""
    return [t for t in replies if t[:2] in {"1)", "2)", "3)"}]


def options(replies: list[str]) -> list[str]:
    """The numbered options under the last message, as SMS shows them ("1 Yes")."""
    lines = replies[-1].splitlines() if replies else []
    return [line.split(" ", 1)[1] for line in lines if line[:1].isdigit() and line[1:2] == " "]
