"""Subject access: find a person by how they reach us, and export every record held about them.

Why a module of its own: a subject access request (UK GDPR Article 15) must be answered from
everything we hold, and "everything" changes whenever a table is added. So the export is driven
by one list, `SECTIONS`, naming each application table that holds a resident's data and how its
rows are reached from the person; tests/records/test_access.py walks SQLAlchemy's metadata and
fails when a table is neither in that list nor in `NOT_ABOUT_RESIDENTS` with a reason. Rasa's
transcript lives in another database (the tracker store, `RASA_TRACKER_DB_URL`), read here too.

Erasure, the other half of the rights, is a rule that crosses processes: `bot/policy/erasure.py`.
People are found by phone number in any usual UK form (07..., +44 7..., 0044..., with spaces or
dashes) or by Telegram chat id, so an operator never needs our internal id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import String, cast, or_, select, text
from sqlalchemy.orm import Session

from bot.channels import registry
from bot.dialogue.tracker_store import engine_for as tracker_engine
from bot.models import (
    AuditLog,
    Base,
    CaseNote,
    ChannelAddress,
    Consent,
    DeliveryEvent,
    FollowUp,
    Goal,
    Handoff,
    InboundMessage,
    OutboundMessage,
    Outcome,
    Person,
    WellbeingAnswer,
)

EXPORT_FORMAT = "community-connect-subject-access/1"

# Application tables that hold nothing about a resident, and why (the completeness test reads this).
NOT_ABOUT_RESIDENTS: dict[str, str] = {
    "console_user": "staff accounts, not residents",
    "console_session": "staff logins",
    "login_throttle": "failed staff logins, by account name or client address",
    "job_lease": "which app process runs a job",
    "report_release": "published aggregate figures only, already suppressed and rounded",
    "erasure_request": "proof an erasure was done, kept with no link to the person by design",
}


@dataclass(frozen=True)
class Section:
    """One part of the export: the rows of `model` that are about the person."""

    key: str
    model: type[Base]
    where: Callable[[Person, list[str]], Any]  # (person, their address ids) -> a WHERE clause
    order_by: str = "id"


def _by_person(model: Any) -> Callable[[Person, list[str]], Any]:
    return lambda person, _addresses: model.person_id == person.id


SECTIONS: tuple[Section, ...] = (
    Section("channel_addresses", ChannelAddress, _by_person(ChannelAddress), "created_at"),
    Section("messages_received", InboundMessage,
            lambda _p, addresses: InboundMessage.address_id.in_(addresses), "received_at"),
    Section("messages_sent", OutboundMessage,
            lambda _p, addresses: OutboundMessage.address_id.in_(addresses), "created_at"),
    Section("delivery_reports", DeliveryEvent,
            lambda _p, addresses: DeliveryEvent.outbound_id.in_(
                select(OutboundMessage.id).where(OutboundMessage.address_id.in_(addresses))), "received_at"),
    Section("consents", Consent, _by_person(Consent), "created_at"),
    Section("goals", Goal, _by_person(Goal), "created_at"),
    Section("follow_ups", FollowUp, _by_person(FollowUp), "due_on"),
    Section("wellbeing_answers", WellbeingAnswer, _by_person(WellbeingAnswer), "recorded_at"),
    Section("outcomes", Outcome, _by_person(Outcome), "recorded_at"),
    Section("handoffs", Handoff, _by_person(Handoff), "created_at"),
    Section("case_notes", CaseNote, _by_person(CaseNote), "created_at"),
)
# Tables each section reads, plus the two read specially (the person row and the audit log).
EXPORTED_TABLES = frozenset({s.model.__tablename__ for s in SECTIONS} | {"person", "audit_log"})


# -- finding people ---------------------------------------------------------------------------------


def find_people(session: Session, query: str) -> list[Person]:
    """People reached at this phone number (any usual UK form) or Telegram chat id.

    Each channel says what a typed query could be stored as (`ChannelDefinition.addresses_for`),
    so a bare number that could be either is looked up as both; several matches are all returned.
    Stand-ins for pseudonymised outcomes (`Person.pseudonym`) have no address, so are never found.
    """
    query = query.strip()
    conditions = []
    for channel in registry.channels():
        forms = channel.addresses_for(query) if channel.addresses_for and query else []
        if forms:
            conditions.append((ChannelAddress.channel == channel.name) & ChannelAddress.address.in_(forms))
    if not conditions:
        return []
    people = session.scalars(
        select(Person).join(ChannelAddress, ChannelAddress.person_id == Person.id)
        .where(or_(*conditions), Person.pseudonym.is_(False)).order_by(Person.created_at)
    )
    return list(dict.fromkeys(people))


def find_person_by_id_or_address(session: Session, given: str) -> list[Person]:
    """For the CLI: an internal person id, a phone number or a Telegram chat id."""
    person = session.get(Person, given.strip())
    if person is not None and not person.pseudonym:
        return [person]
    return find_people(session, given)


# -- the export ---------------------------------------------------------------------------------------


def export_person(session: Session, person_id: str, tracker_db_url: str | None = None) -> dict[str, Any]:
    """Everything held about one person, as plain data (for a subject access request).

    With `tracker_db_url` the Rasa transcript is read from the tracker store too; without it the
    export says it was not read (callers answering a request always pass it). The result holds
    no time of its own, so the same records always give the same export.
    """
    person = session.get(Person, person_id)
    if person is None or person.pseudonym:
        raise LookupError(f"no person with id {person_id}")
    address_ids = [a.id for a in person.addresses]
    data: dict[str, Any] = {"format": EXPORT_FORMAT, "person": _row(person)}
    for section in SECTIONS:
        model: Any = section.model
        found = session.scalars(
            select(model).where(section.where(person, address_ids)).order_by(getattr(model, section.order_by), model.id)
        )
        data[section.key] = [_row(r) for r in found]
    data["record_views_and_changes"] = audit_trail(session, person, [h["id"] for h in data["handoffs"]])
    if tracker_db_url is None:
        data["rasa_transcript"] = None
        data["rasa_transcript_note"] = "not read: no tracker store was given"
    else:
        data["rasa_transcript"] = rasa_transcript(tracker_db_url, person.conversation_id)
    # Kept for readers of the first export format.
    data["addresses"] = data["channel_addresses"]
    data["messages_kept_for_link_worker"] = [
        {"received_at": m["received_at"], "channel": m["channel"], "text": m["text"]}
        for m in data["messages_received"] if m["status"] == "held"
    ]
    return data


def audit_trail(session: Session, person: Person, handoff_ids: list[str]) -> list[dict[str, Any]]:
    """Who looked at or acted on the person's record, and when: entries about them, their handoffs,
    and queue views that showed them (those name everyone shown, so only this person is kept)."""
    direct = or_(
        (AuditLog.entity == "person") & (AuditLog.entity_id == person.id),
        (AuditLog.entity == "handoff") & AuditLog.entity_id.in_(handoff_ids or [""]),
    )
    rows = list(session.scalars(select(AuditLog).where(direct)))
    queue_views = session.scalars(
        select(AuditLog).where(AuditLog.entity == "handoff_queue", cast(AuditLog.changes, String).contains(person.id))
    )
    rows.extend(a for a in queue_views if person.id in ((a.changes or {}).get("people") or []))
    rows.sort(key=lambda a: (_plain(a.at), a.id))
    trail = []
    for a in rows:
        changes = dict(a.changes or {})
        if a.entity == "handoff_queue":
            changes = {"people_shown": len(changes.get("people") or [])}  # not the others' ids
        trail.append({"at": _plain(a.at), "who": a.actor, "action": a.action, "entity": a.entity,
                      "entity_id": a.entity_id, "details": changes})
    return trail


def rasa_transcript(tracker_db_url: str, conversation_id: str) -> list[dict[str, Any]]:
    """The person's conversation as Rasa stored it (one row per event, in order), SQLite or PostgreSQL."""
    with tracker_engine(tracker_db_url).connect() as conn:
        try:
            rows = conn.execute(
                text("SELECT id, type_name, timestamp, intent_name, action_name, data FROM events "
                     "WHERE sender_id = :sid ORDER BY timestamp, id"),
                {"sid": conversation_id},
            ).all()
        except Exception as exc:  # no table yet: Rasa has stored nothing
            if "no such table" in str(exc).lower() or "does not exist" in str(exc).lower():
                return []
            raise
    events = []
    for _id, type_name, timestamp, intent, action, raw in rows:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {"unreadable": str(raw)}
        event: dict[str, Any] = {"at": _epoch(timestamp), "event": type_name}
        if type_name in ("user", "bot") and data.get("text") is not None:
            event["text"] = data["text"]
        if intent:
            event["intent"] = intent
        if action:
            event["action"] = action
        if type_name == "slot":
            event["slot"], event["value"] = data.get("name"), data.get("value")
        event["stored"] = data
        events.append(event)
    return events


def summary(data: dict[str, Any]) -> list[tuple[str, int]]:
    """How many records of each kind an export holds, for the console page (no content)."""
    labels = [
        ("channel_addresses", "Ways we reach them (phone, Telegram, web chat)"),
        ("messages_received", "Messages from them still held"),
        ("messages_sent", "Messages to them still held"),
        ("delivery_reports", "Delivery reports"),
        ("rasa_transcript", "Events in the conversation record (Rasa)"),
        ("consents", "Consent answers"),
        ("goals", "Goals"),
        ("follow_ups", "Check-ins"),
        ("wellbeing_answers", "Wellbeing answers"),
        ("outcomes", "Outcomes"),
        ("handoffs", "Handoffs to a link worker"),
        ("case_notes", "Link-worker notes"),
        ("record_views_and_changes", "Audit entries (who viewed or changed their record)"),
    ]
    return [(label, len(data.get(key) or [])) for key, label in labels]


def _row(record: Any) -> dict[str, Any]:
    return {c.name: _plain(getattr(record, c.key)) for c in record.__table__.columns}


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _epoch(value: Any) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(float(value), tz=timezone.utc).isoformat()
