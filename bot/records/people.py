"""Finding people by how they reach us, without ever handing Rasa their number."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.models import ChannelAddress, Person

# Built once: every message stored asks it.
_ADDRESS = select(ChannelAddress).where(
    ChannelAddress.channel == bindparam("channel"), ChannelAddress.address == bindparam("address"),
)


def get_or_create_address(session: Session, channel: str, address: str) -> ChannelAddress:
    found = session.scalar(_ADDRESS, {"channel": channel, "address": address})
    if found is not None:
        return found
    person = Person()
    found = ChannelAddress(channel=channel, address=address, person=person)
    session.add_all([person, found])
    session.flush()
    return found


def person_by_conversation(session: Session, conversation_id: str) -> Person | None:
    return session.scalar(select(Person).where(Person.conversation_id == conversation_id))


def addresses_of(session: Session, person_id: str) -> list[ChannelAddress]:
    return list(session.scalars(select(ChannelAddress).where(ChannelAddress.person_id == person_id)))


def keep_what_matters(session: Session, person: Person, words: str | None, needs: list[str]) -> bool:
    """Keep what matters in their own words beside the need keys, for the link worker; only with consent.

    Returns whether it was kept. Without consent nothing is written (and "forget me" clears it).
    """
    if not person.consent_to_keep:
        return False
    if words:
        person.what_matters = words
    person.needs = list(needs) or person.needs
    return True
