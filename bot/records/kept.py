"""'What do you keep about me?': the person's own records, counted, for a plain answer by text.

Counted from the rows themselves (not from what the conversation remembers), so the answer is
true whatever happened in earlier conversations. The full subject-access export is
bot/records/access.py; this is the short version a person can read on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.models import CaseNote, ChannelAddress, Consent, FollowUp, Goal, Handoff, InboundMessage, Outcome, Person
from bot.statuses import FOLLOW_UP_PENDING, InboundStatus, OutcomeKind


@dataclass(frozen=True)
class Kept:
    consent_to_keep: bool
    goals: int = 0
    scores: int = 0  # wellbeing scores (start and check-ins)
    progress: int = 0  # "how it went" answers
    check_ins_planned: int = 0
    area: str | None = None
    what_matters: bool = False
    handoffs: int = 0
    notes: int = 0
    held_messages: int = 0
    answers: int = 0  # consent answers (yes or no), kept as proof of what they said
    opted_out: bool = False


def kept_about(session: Session, person: Person) -> Kept:
    def count(model: type, *where: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(model).where(model.person_id == person.id, *where)  # type: ignore[attr-defined]
        return int(session.scalar(query) or 0)

    held = session.scalar(
        select(func.count()).select_from(InboundMessage).join(ChannelAddress, ChannelAddress.id == InboundMessage.address_id)
        .where(ChannelAddress.person_id == person.id, InboundMessage.status == InboundStatus.HELD)
    ) or 0
    return Kept(
        consent_to_keep=bool(person.consent_to_keep),
        goals=count(Goal),
        scores=count(Outcome, Outcome.kind.in_([str(OutcomeKind.WELLBEING_START), str(OutcomeKind.WELLBEING_FOLLOW_UP)])),
        progress=count(Outcome, Outcome.kind == str(OutcomeKind.GOAL_PROGRESS)),
        check_ins_planned=count(FollowUp, FollowUp.status.in_([str(s) for s in FOLLOW_UP_PENDING])),
        area=person.postcode_district,
        what_matters=bool(person.what_matters),
        handoffs=count(Handoff),
        notes=count(CaseNote),
        held_messages=int(held),
        answers=count(Consent),
        opted_out=any(a.opted_out for a in person.addresses),
    )
