"""Made-up journeys for the demo outcomes report (DEMO_MODE only), written through bot/records.

Deterministic (a fixed seed), spread over the last ten months and weighted towards the more
deprived deciles, as a Sunderland service would be. Every consent says it is demo data.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Consent, Person, utcnow
from bot.records.consent import FOLLOW_UP, KEEP_DATA, record_consent
from bot.records.followups import record_baseline, record_check_in, schedule_series
from bot.records.goals import create_goal
from bot.records.measures import BARRIERS, PROGRESS_SCALE, SKIPPED
from bot.reports.outcomes import DEMO_CHANNEL
from bot.statuses import CancelReason, FollowUpStatus

DEMO_PEOPLE = 300
DEMO_WORDING = "DEMO DATA: a made-up person for the demo outcomes report (DEMO_MODE)."
_NEEDS = ("loneliness", "physical_activity", "money", "mental_wellbeing", "creative", "food", "employment", None)
_DECILE_WEIGHTS = (18, 15, 12, 10, 8, 7, 6, 5, 4, 3)
_ITEMS = ("life_satisfaction", "worthwhile", "happy_yesterday", "anxious_yesterday")


def seed_demo_outcomes(session: Session, people: int = DEMO_PEOPLE, now: datetime | None = None) -> int:
    """Add the demo journeys once; returns how many people were added (0 if already there)."""
    if session.scalar(select(Consent.id).where(Consent.channel == DEMO_CHANNEL).limit(1)) is not None:
        return 0
    rng = random.Random(20240401)
    now = now or utcnow()
    for _ in range(people):
        _journey(session, rng, now - timedelta(days=rng.randint(1, 300), hours=rng.randint(0, 23)), now)
    session.flush()
    return people


def _ons(
    rng: random.Random, base: Mapping[str, int | str | None] | None = None, lift: int = 0
) -> dict[str, int | str | None]:
    """Four made-up ONS4 answers (anxiety moves the other way), now and then skipped."""
    answers: dict[str, int | str | None] = {}
    for item in _ITEMS:
        if rng.random() < 0.05:
            answers[item] = SKIPPED
            continue
        given = base.get(item) if base else None
        start = given if isinstance(given, int) else rng.randint(2, 7)
        step = -lift if item == "anxious_yesterday" else lift
        answers[item] = max(0, min(10, start + (step + rng.randint(-1, 1) if base else 0)))
    return answers


def _journey(session: Session, rng: random.Random, began: datetime, now: datetime) -> None:
    person = Person(created_at=began)
    session.add(person)
    session.flush()
    keep = record_consent(session, person, KEEP_DATA, True, DEMO_WORDING, DEMO_CHANNEL)
    keep.created_at = began
    person.imd_decile = rng.choices(range(1, 11), weights=_DECILE_WEIGHTS)[0] if rng.random() > 0.12 else None
    if rng.random() < 0.15:
        return  # agreed, then stopped before choosing anything
    need = rng.choice(_NEEDS)
    goal = create_goal(session, person, keep, "Go to a demo activity", need=need, service_name="Demo activity")
    goal.created_at = began
    if rng.random() < 0.2:
        return  # no check-ins wanted, so no baseline either
    follow = record_consent(session, person, FOLLOW_UP, True, DEMO_WORDING, DEMO_CHANNEL)
    follow.created_at = began
    series = schedule_series(session, goal, follow, rng.choice(("1_week", "2_weeks", "1_month")), now=began)
    baseline = _ons(rng)
    for row in record_baseline(session, person, goal, baseline):
        row.recorded_at = began
    if rng.random() < 0.06:
        for check_in in series:
            check_in.status, check_in.cancel_reason = FollowUpStatus.CANCELLED, CancelReason.PERSON_ASKED
        return  # said "no more check-ins" before the first
    for check_in in series:
        due = check_in.due_at or now
        due = due if due.tzinfo else due.replace(tzinfo=timezone.utc)
        if due > now:
            return  # not due yet: this and the later ones stay scheduled
        check_in.status, check_in.sent_at = FollowUpStatus.SENT, due
        if rng.random() < 0.3:
            check_in.status, check_in.reminded_at = FollowUpStatus.NO_RESPONSE, due + timedelta(days=3)
            continue  # sent and reminded, never answered: shows in the response rate
        went = rng.random() < 0.7
        progress = rng.choices([p.key for p in PROGRESS_SCALE], weights=(1, 3, 4, 2, 1))[0] if went else "much_worse"
        lift = {"much_better": 2, "better": 1, "as_hoped": 1, "worse": 0, "much_worse": 0}[progress] + rng.randint(
            -1, 1
        )
        barrier = None if went and progress not in ("worse", "much_worse") else rng.choice(list(BARRIERS))
        rows = record_check_in(
            session,
            check_in,
            attended=went,
            progress=progress,
            barrier=barrier,
            note=None,
            keep_note=False,
            answers=_ons(rng, baseline, lift),
        )
        check_in.answered_at = due + timedelta(hours=2)
        for row in rows:
            row.recorded_at = check_in.answered_at
