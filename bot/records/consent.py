"""Consent as given in the conversation: one row per answer, with the exact words shown."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Consent, Person, utcnow
from bot.records.followups import cancel_check_ins
from bot.statuses import CancelReason, ConsentPurpose

# Short names for the purposes, as the actions use them.
KEEP_DATA = ConsentPurpose.KEEP_DATA
FOLLOW_UP = ConsentPurpose.FOLLOW_UP
SHARE_WITH_LINK_WORKER = ConsentPurpose.SHARE_WITH_LINK_WORKER


def record_consent(session: Session, person: Person, purpose: str, given: bool, wording: str, channel: str) -> Consent:
    """Store the answer; a 'no' withdraws earlier consent for the same purpose.

    A 'yes' given again while a 'yes' stands keeps the first one (and its date): withdrawing it
    would move a returning resident to a later report period and change releases after the fact.
    """
    standing = active_consent(session, person.id, purpose) if given else None
    if standing is not None:
        if purpose == KEEP_DATA:
            person.consent_to_keep = True
        return standing
    for earlier in current_consents(session, person.id, purpose):
        earlier.withdrawn_at = utcnow()
    consent = Consent(person_id=person.id, purpose=purpose, given=given, wording=wording, channel=channel)
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
    return list(
        session.scalars(
            select(Consent).where(Consent.person_id == person_id, Consent.purpose == purpose, Consent.withdrawn_at.is_(None))
        )
    )


def active_consent(session: Session, person_id: str, purpose: str) -> Consent | None:
    """The standing 'yes' for this purpose, if there is one."""
    for consent in current_consents(session, person_id, purpose):
        if consent.given:
            return consent
    return None
