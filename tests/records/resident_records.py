"""A resident with a row in every kind of record we keep, and a Rasa tracker store beside them.

Shared by the subject-access, console and pseudonymisation tests, so "every kind of record" is
written once. The tracker store is made in the test's own database (SQLite or PostgreSQL), shaped
like the `events` table Rasa 3.6's SQLTrackerStore writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.dialogue.tracker_store import engine_for as tracker_engine
from bot.gateway.outbox import enqueue
from bot.models import AuditLog, ChannelAddress, DeliveryEvent, Goal, InboundMessage, Person, utcnow
from bot.records import handoffs as life
from bot.records.consent import FOLLOW_UP, KEEP_DATA, SHARE_WITH_LINK_WORKER, record_consent
from bot.records.followups import record_baseline, record_check_in, schedule_series
from bot.records.goals import create_goal, record_outcome
from bot.records.people import get_or_create_address
from bot.statuses import (
    CancelReason,
    FollowUpStatus,
    GoalStatus,
    HandoffOutcome,
    HandoffReason,
    InboundStatus,
    OutboundStatus,
    OutcomeKind,
)

ONS = {"life_satisfaction": 4, "worthwhile": 5, "happy_yesterday": 5, "anxious_yesterday": 7}
LATER = {"life_satisfaction": 7, "worthwhile": 7, "happy_yesterday": 6, "anxious_yesterday": 3}


@dataclass
class Resident:
    person: Person
    number: str
    goal: Goal
    handoff_id: str


def make_tracker(url: str) -> str:
    """The `events` table of Rasa 3.6's SQL tracker store, in the database at `url` (if not there yet)."""
    with tracker_engine(url).begin() as conn:
        conn.execute(text(
            "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
            " type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
            " action_name VARCHAR(255), data TEXT)"))
    return url


def rasa_says(url: str, sender_id: str, user_text: str, bot_text: str, at: datetime | None = None) -> None:
    """A user turn, the slot it set and the bot's answer, as Rasa stores them."""
    at = at or utcnow()
    events = [
        ("user", "inform_need", None, {"event": "user", "text": user_text, "parse_data": {"intent": {"name": "inform_need"}}}),
        ("slot", None, None, {"event": "slot", "name": "need", "value": "loneliness"}),
        ("action", None, "utter_offer", {"event": "action", "name": "utter_offer"}),
        ("bot", None, None, {"event": "bot", "text": bot_text}),
    ]
    with tracker_engine(url).begin() as conn:
        start = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM events")).scalar() or 0
        for offset, (type_name, intent, action, data) in enumerate(events, start=1):
            conn.execute(
                text("INSERT INTO events (id, sender_id, type_name, timestamp, intent_name, action_name, data)"
                     " VALUES (:id, :s, :t, :ts, :i, :a, :d)"),
                {"id": start + offset, "s": sender_id, "t": type_name, "ts": at.timestamp() + offset / 1000,
                 "i": intent, "a": action, "d": json.dumps(data)},
            )


def tracker_events(url: str, sender_id: str) -> int:
    with tracker_engine(url).connect() as conn:
        return conn.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender_id}).scalar() or 0


def resident(session: Session, number: str = "+447700900123", *, at: datetime | None = None,
             tracker_url: str | None = None, telegram: str | None = None) -> Resident:
    """Someone who texted, set a goal with check-ins, answered one, was handed to a link worker."""
    at = at or utcnow()
    address = get_or_create_address(session, "sms", number)
    person = address.person
    person.created_at = at
    if telegram:
        session.add(ChannelAddress(person_id=person.id, channel="telegram", address=telegram, created_at=at))
    keep = record_consent(session, person, KEEP_DATA, True, "Can I keep what you tell me?", "sms")
    follow = record_consent(session, person, FOLLOW_UP, True, "Can I check in later?", "sms")
    share = record_consent(session, person, SHARE_WITH_LINK_WORKER, True, "Can a link worker see this?", "sms")
    person.imd_decile, person.postcode_district = 2, "SR4"
    person.what_matters, person.needs = "I feel lonely since my wife died", ["loneliness"]
    goal = create_goal(session, person, keep, "Go to the Tuesday lunch club", need="loneliness",
                       service_id="svc-lunch", service_name="Pallion Lunch Club")
    series = schedule_series(session, goal, follow, "2_weeks", now=at)
    baseline = record_baseline(session, person, goal, ONS)
    first = series[0]
    first.status, first.sent_at = FollowUpStatus.SENT, at + timedelta(days=14)
    answers = record_check_in(session, first, attended=True, progress="better", barrier=None,
                              note="My neighbour came with me", keep_note=True, answers=LATER)
    first.answered_at = at + timedelta(days=14, hours=2)
    for later in series[1:]:
        later.status = FollowUpStatus.CANCELLED
        later.cancel_reason = CancelReason.PERSON_ASKED
    outcome = record_outcome(session, person, OutcomeKind.GOAL_PROGRESS, value=GoalStatus.DONE, goal=goal)
    inbound = InboundMessage(channel="sms", provider_id=f"SM{number[-6:]}", address_id=address.id,
                             text="can someone ring me", status=InboundStatus.HELD, received_at=at + timedelta(days=15))
    session.add(inbound)
    out = enqueue(session, address, "Here are three groups near you.")
    out.status, out.provider_id, out.sent_at = OutboundStatus.DELIVERED, f"SMout{number[-6:]}", at
    session.add(DeliveryEvent(outbound_id=out.id, provider_id=out.provider_id, status="delivered", received_at=at))
    handoff = life.request_handoff(session, person.id, HandoffReason.ASKED, context={"needs": ["loneliness"]})
    life.close(session, handoff, "lw", HandoffOutcome.PHONED)
    handoff.created_at = handoff.closed_at = at + timedelta(days=15)
    life.add_note(session, person.id, "lw", "Prefers a call after 3pm.", handoff.id)
    session.add(AuditLog(actor="lw", action="view_person", entity="person", entity_id=person.id,
                         changes={"handoff": handoff.id}, at=at + timedelta(days=15)))
    session.add(AuditLog(actor="lw", action="close", entity="handoff", entity_id=handoff.id,
                         changes={"outcome": "phoned"}, at=at + timedelta(days=15)))
    for row in [keep, follow, share]:
        row.created_at = at
    goal.created_at = at
    for row in baseline:
        row.recorded_at = at
    for row in answers:
        row.recorded_at = first.answered_at
    outcome.recorded_at = first.answered_at
    for check_in in series:
        check_in.due_on = (at + timedelta(days=14)).date()
        check_in.due_at = at + timedelta(days=14)
    session.commit()  # before the tracker is written: on SQLite both may be one file
    if tracker_url:
        make_tracker(tracker_url)
        rasa_says(tracker_url, person.conversation_id, "i feel lonely", "Here are three groups near you.", at)
    return Resident(person, number, goal, handoff.id)


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


