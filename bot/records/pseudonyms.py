"""Pseudonymising old outcomes: a person's goals and outcomes detached from them, still counted.

Why whole journeys and not single rows: the outcomes report counts *people* (a cohort by the month
their "yes" to keeping data was given, each with all their goals, check-ins and scores). Moving one
old goal away from a person who still has newer ones would count them twice, or need a link back,
which is what must not exist. So a journey is detached once every record in it (goals, check-ins,
wellbeing answers, outcomes, the keep-data and check-in consents) is older than
PSEUDONYMISE_AFTER_DAYS and nothing in it is pending (bot/jobs/retention.py picks them).

What moves, to a new stand-in `Person` (`pseudonym` true, a fresh random id, no address, a
conversation id Rasa never saw): the rows themselves (their ids, statuses, needs, scores and
answers, which reports count), the consents they were kept under (with the words shown), and
the deprivation decile. What goes: free text in the person's own words (goal text, check-in
notes), the listing's name, postcode district, and exact times: each time becomes the start of
its month plus a few seconds that keep the journey's order, so monthly and quarterly releases
count exactly as before but no time can be matched with a message, a log line or an audit entry.

The person keeps what is about them rather than about outcomes (their address and opt-out,
handoffs, link-worker notes, sharing consent). Their consent to keep data went with the journey,
so they count as not asked: the next time they talk to us they are asked again, and if they do
not come back the usual retention rule removes the rest.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Consent, FollowUp, Goal, Outcome, Person, WellbeingAnswer, utcnow
from bot.statuses import ConsentPurpose

# Consents that belong to the journey (what it was kept and followed up under).
JOURNEY_CONSENTS = (ConsentPurpose.KEEP_DATA, ConsentPurpose.FOLLOW_UP)
JOURNEY_RECORDS = (Goal, FollowUp, WellbeingAnswer, Outcome)
# Every time column of the journey's rows, and what is done with it.
_KEPT_TIMES: dict[type, tuple[str, ...]] = {
    Consent: ("created_at", "withdrawn_at"),
    Goal: ("created_at",),
    FollowUp: ("sent_at", "reminded_at", "answered_at", "closed_at"),
    WellbeingAnswer: ("recorded_at",),
    Outcome: ("recorded_at",),
}


def detach_journey(session: Session, person: Person) -> Person:
    """Move the person's goals and outcomes to a new stand-in; returns it. The caller has checked
    the journey is old and nothing in it is pending, and commits."""
    consents = list(session.scalars(select(Consent).where(
        Consent.person_id == person.id, Consent.purpose.in_([str(p) for p in JOURNEY_CONSENTS]))))
    records: list[Any] = [*consents]
    for model in JOURNEY_RECORDS:
        records.extend(session.scalars(select(model).where(model.person_id == person.id)))
    shift = _order_keeping_months(records)
    earliest = min(shift.values(), default=_month_start(utcnow()))
    stand_in = Person(pseudonym=True, consent_to_keep=True, imd_decile=person.imd_decile, created_at=earliest)
    session.add(stand_in)
    session.flush()
    for record in records:
        record.person_id = stand_in.id
        for column in _KEPT_TIMES[type(record)]:
            value = getattr(record, column)
            if value is not None:
                setattr(record, column, shift[_aware(value)])
        if isinstance(record, Goal):
            record.text, record.service_name, record.checkin_on = "", None, None  # their words; the listing's name
        elif isinstance(record, FollowUp):
            record.note, record.due_on = None, _month_start(record.due_on).date()
            record.due_at = record.claimed_by = record.claim_expires_at = None
    # What was kept only with their consent to keep data goes with it (see the module docstring).
    person.consent_to_keep = None
    person.postcode_district = person.imd_decile = None
    person.what_matters = person.needs = None
    session.flush()
    return stand_in


def _order_keeping_months(records: list[Any]) -> dict[datetime, datetime]:
    """Each time in the journey -> the start of its month plus its rank in seconds.

    Two times in one month keep their order (ranks rise); times in different months keep it too,
    since a journey has far fewer times than a month has seconds.
    """
    times = sorted({_aware(getattr(r, c)) for r in records for c in _KEPT_TIMES[type(r)] if getattr(r, c) is not None})
    return {t: _month_start(t) + timedelta(seconds=rank) for rank, t in enumerate(times)}


def _month_start(value: datetime | date) -> datetime:
    return datetime(value.year, value.month, 1, tzinfo=timezone.utc)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
