"""Goals people set in their own words, and the check-ins they agreed to."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.jobs.send_window import FollowUpPolicy
from bot.models import Consent, FollowUp, Goal, Outcome, Person
from bot.records.followups import FIRST_CHECK_IN_DAYS, schedule_series
from bot.statuses import OutcomeKind

CHECKIN_PERIODS = FIRST_CHECK_IN_DAYS


class NoConsent(PermissionError):
    """Raised rather than storing anything about a person who has not agreed."""


def create_goal(
    session: Session,
    person: Person,
    consent: Consent | None,
    text: str,
    *,
    need: str | None = None,
    service_id: str | None = None,
    service_name: str | None = None,
) -> Goal:
    if consent is None or not consent.given or consent.withdrawn_at is not None:
        raise NoConsent("a goal is only stored with the person's consent to keep it")
    goal = Goal(
        person_id=person.id, consent_id=consent.id, text=text.strip()[:500], need=need,
        service_id=service_id, service_name=service_name,
    )
    session.add(goal)
    session.flush()
    return goal


def schedule_check_in(
    session: Session, goal: Goal, follow_up_consent: Consent, period: str, today: date | None = None,
    policy: FollowUpPolicy | None = None,
) -> FollowUp:
    """Schedule the goal's series of check-ins (the person chose when the first comes); returns the first."""
    now = datetime.combine(today, time(12), tzinfo=timezone.utc) if today else None
    return schedule_series(session, goal, follow_up_consent, period, policy=policy, now=now)[0]


def latest_goal(session: Session, person_id: str) -> Goal | None:
    return session.scalar(select(Goal).where(Goal.person_id == person_id).order_by(Goal.created_at.desc()).limit(1))


def record_outcome(
    session: Session, person: Person, kind: str, *, score: int | None = None, value: str | None = None,
    goal: Goal | None = None,
) -> Outcome:
    outcome = Outcome(person_id=person.id, goal_id=goal.id if goal else None, kind=kind, score=score, value=value)
    session.add(outcome)
    if goal is not None and kind == OutcomeKind.GOAL_PROGRESS and value:
        goal.status = value
    session.flush()
    return outcome
