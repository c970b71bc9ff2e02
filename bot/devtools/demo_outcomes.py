"""Made-up journeys for the demo outcomes report (DEMO_MODE only), written through bot/records.

Deterministic (a fixed seed), spread over the last ten months and weighted towards the more
deprived deciles, as a Sunderland service would be. Every consent says it is demo data.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Consent, Person, utcnow
from bot.records.consent import FOLLOW_UP, KEEP_DATA, record_consent
from bot.records.goals import create_goal, record_outcome, schedule_check_in
from bot.reports.outcomes import DEMO_CHANNEL
from bot.statuses import FollowUpStatus, GoalStatus, OutcomeKind

DEMO_PEOPLE = 300
DEMO_WORDING = "DEMO DATA: a made-up person for the demo outcomes report (DEMO_MODE)."
_NEEDS = ("loneliness", "physical_activity", "money", "mental_wellbeing", "creative", "food", "employment", None)
_DECILE_WEIGHTS = (18, 15, 12, 10, 8, 7, 6, 5, 4, 3)


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
    start = rng.randint(2, 7)
    if rng.random() < 0.85:
        record_outcome(session, person, OutcomeKind.WELLBEING_START, score=start, goal=goal).recorded_at = began
    if rng.random() < 0.2:
        return  # no check-in wanted
    follow = record_consent(session, person, FOLLOW_UP, True, DEMO_WORDING, DEMO_CHANNEL)
    follow.created_at = began
    check_in = schedule_check_in(session, goal, follow, rng.choice(("1_week", "2_weeks", "1_month")), today=began.date())
    due = datetime.combine(check_in.due_on, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=10)
    if due > now:
        return  # not due yet
    check_in.status, check_in.sent_at = FollowUpStatus.SENT, due
    if rng.random() < 0.35:
        return  # sent, never answered: shows up in the response rate
    check_in.status = FollowUpStatus.ANSWERED
    progress = rng.choices((GoalStatus.DONE, GoalStatus.PARTLY, GoalStatus.NOT_YET), weights=(5, 3, 2))[0]
    record_outcome(session, person, OutcomeKind.GOAL_PROGRESS, value=progress, goal=goal).recorded_at = due
    if rng.random() < 0.9:
        lift = {GoalStatus.DONE: 2, GoalStatus.PARTLY: 1, GoalStatus.NOT_YET: 0}[progress] + rng.randint(-1, 2)
        later = max(0, min(10, start + lift))
        record_outcome(session, person, OutcomeKind.WELLBEING_FOLLOW_UP, score=later, goal=goal).recorded_at = due
