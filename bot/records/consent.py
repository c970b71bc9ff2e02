"""Consent as given in the conversation: one row per answer, with the exact words shown and the
version of the privacy notice in force (PRIVACY_NOTICE_VERSION).

- A "yes" given again keeps the first one and its date: withdrawing it would move a returning
  resident to a later report period and change releases after the fact.
- A "yes" to a newer notice adds a row for that version and leaves the earlier "yes" standing,
  so the row says which notice was answered and reports still count them from their first "yes".
- A "no" withdraws every standing answer for the purpose.
- "Stop keeping my details" (`stop_keeping`) withdraws keeping, sharing and check-ins and deletes
  what was kept only because they agreed, but keeps what must be kept: the consent answers
  themselves (proof of what they said), the opt-out on their address, and handoffs and case notes
  (safety flags and a link worker's record). "Forget me" (bot/policy/erasure.py) deletes all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from bot.models import Consent, FollowUp, Goal, Outcome, Person, WellbeingAnswer, utcnow
from bot.records.followups import cancel_check_ins
from bot.statuses import CancelReason, ConsentPurpose

# Short names for the purposes, as the actions use them.
KEEP_DATA = ConsentPurpose.KEEP_DATA
FOLLOW_UP = ConsentPurpose.FOLLOW_UP
SHARE_WITH_LINK_WORKER = ConsentPurpose.SHARE_WITH_LINK_WORKER


def record_consent(
    session: Session, person: Person, purpose: str, given: bool, wording: str, channel: str,
    notice_version: str | None = None,
) -> Consent:
    """Store the answer (see the module docstring for how a repeated or renewed "yes" is kept)."""
    standing = [c for c in current_consents(session, person.id, purpose) if c.given] if given else []
    same = [c for c in standing if c.notice_version == notice_version]
    if same:
        if purpose == KEEP_DATA:
            person.consent_to_keep = True
        return same[0]
    if not standing:  # a renewal leaves the earlier "yes" standing; anything else replaces it
        for earlier in current_consents(session, person.id, purpose):
            earlier.withdrawn_at = utcnow()
    consent = Consent(person_id=person.id, purpose=purpose, given=given, wording=wording, channel=channel,
                      notice_version=notice_version)
    session.add(consent)
    if not given and purpose in (KEEP_DATA, FOLLOW_UP):
        # No to keeping data or to being contacted: no check-in may go out, from this moment.
        cancel_check_ins(session, person.id, CancelReason.CONSENT_WITHDRAWN)
    if purpose == KEEP_DATA:
        person.consent_to_keep = given
        if not given:
            person.postcode_district = None
            person.imd_decile = None
    session.flush()
    return consent


def current_consents(session: Session, person_id: str, purpose: str) -> list[Consent]:
    """The answers standing for this purpose, newest first."""
    return list(
        session.scalars(
            select(Consent).where(Consent.person_id == person_id, Consent.purpose == purpose, Consent.withdrawn_at.is_(None))
            .order_by(Consent.created_at.desc())
        )
    )


def active_consent(session: Session, person_id: str, purpose: str) -> Consent | None:
    """The standing 'yes' for this purpose (the newest, after a renewal), if there is one."""
    for consent in current_consents(session, person_id, purpose):
        if consent.given:
            return consent
    return None


def standing_answer(session: Session, person_id: str, purpose: str) -> bool | None:
    """The person's standing answer for this purpose: True, False, or None if never asked (or withdrawn)."""
    current = current_consents(session, person_id, purpose)
    if not current:
        return None
    return any(c.given for c in current)


def notice_due(session: Session, person_id: str, version: str) -> bool:
    """Whether their standing 'yes' to keeping data answered an older privacy notice than `version`."""
    kept = [c for c in current_consents(session, person_id, KEEP_DATA) if c.given]
    return bool(kept) and not any(c.notice_version == version for c in kept)


@dataclass(frozen=True)
class Withdrawn:
    """What `stop_keeping` deleted, so the reply can say it plainly."""

    goals: int
    check_ins: int
    scores: int


def stop_keeping(session: Session, person: Person, wording: str, channel: str, notice_version: str | None) -> Withdrawn:
    """'Stop keeping my details': withdraw keeping, sharing and check-ins; delete what only consent allowed.

    Nothing new is stored afterwards: every writer checks the keep-data consent (goals, check-ins,
    what matters, the area), and the handoff context follows the sharing answer.
    """
    counts = Withdrawn(
        goals=_count(session, Goal, person.id),
        check_ins=_count(session, FollowUp, person.id, FollowUp.answered_at.is_not(None)),
        scores=_count(session, Outcome, person.id),
    )
    record_consent(session, person, KEEP_DATA, False, wording, channel, notice_version)
    for purpose in (FOLLOW_UP, SHARE_WITH_LINK_WORKER):
        if current_consents(session, person.id, purpose):
            record_consent(session, person, purpose, False, wording, channel, notice_version)
    for model in (WellbeingAnswer, Outcome, FollowUp, Goal):  # answers and check-ins before their goals
        session.execute(delete(model).where(model.person_id == person.id))
    person.what_matters = None
    person.needs = None
    session.flush()
    return counts


def _count(session: Session, model: type, person_id: str, *where: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(model).where(model.person_id == person_id, *where)  # type: ignore[attr-defined]
    return int(session.scalar(query) or 0)
