"""Check-ins: the series a person agreed to, their cancellation, and the answers they give.

Each check-in row carries its own goal, and every answer (goal progress, "did you go?", why it
did not work, the person's own words, each ONS4 item) is tied to that row, never to "the latest
goal". Cancellation happens where STOP, consent withdrawal, "forget me" and "no more
check-ins" are handled, at once, not when the scheduler next looks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.jobs.send_window import FollowUpPolicy, london_today
from bot.models import Consent, FollowUp, Goal, Person, WellbeingAnswer, utcnow
from bot.records.measures import GAS, INSTRUMENTS, ONS4, SKIPPED
from bot.statuses import FOLLOW_UP_PENDING, FollowUpStatus, GoalStatus, Timepoint

# What the person can choose for the first check-in (the rest follow the configured weeks).
FIRST_CHECK_IN_DAYS = {"1_week": 7, "2_weeks": 14, "1_month": 28}

Answer = int | str | None  # 0-10, "skip", or not asked


def series_days(first: str, policy: FollowUpPolicy) -> list[int]:
    """Days after today for each check-in: the person's choice replaces the first configured
    point, and the later points follow (those after their choice)."""
    first_days = FIRST_CHECK_IN_DAYS[first]
    return [first_days] + [7 * w for w in policy.weeks[1:] if 7 * w > first_days]


def schedule_series(
    session: Session,
    goal: Goal,
    consent: Consent,
    first: str,
    *,
    policy: FollowUpPolicy | None = None,
    now: datetime | None = None,
) -> list[FollowUp]:
    """A check-in for each point of the series, each with its own send time inside the window."""
    policy = policy or FollowUpPolicy()
    today = london_today(now)
    rows = []
    for sequence, days in enumerate(series_days(first, policy), start=1):
        follow_up = FollowUp(
            person_id=goal.person_id,
            goal_id=goal.id,
            consent_id=consent.id,
            sequence=sequence,
            due_on=today + timedelta(days=days),
            status=FollowUpStatus.SCHEDULED,
        )
        session.add(follow_up)
        session.flush()  # the id decides the send time within the window
        follow_up.due_at = policy.window.next_slot(follow_up.id, on_or_after=follow_up.due_on)
        rows.append(follow_up)
    goal.checkin_on = rows[0].due_on
    session.flush()
    return rows


def cancel_check_ins(session: Session, person_id: str, reason: str, *, goal_id: str | None = None) -> int:
    """Cancel every check-in not yet answered (of one goal, or all); returns how many.

    A check-in a sender has claimed is cancelled too: the sender's final step only succeeds
    while its claim stands, so nothing goes out after this commits.
    """
    query = (
        update(FollowUp)
        .where(FollowUp.person_id == person_id, FollowUp.status.in_([str(s) for s in FOLLOW_UP_PENDING]))
        .values(
            status=FollowUpStatus.CANCELLED,
            cancel_reason=str(reason),
            closed_at=utcnow(),
            claimed_by=None,
            claim_expires_at=None,
        )
        .execution_options(synchronize_session="fetch")
    )
    if goal_id is not None:
        query = query.where(FollowUp.goal_id == goal_id)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def pending_check_ins(session: Session, person_id: str) -> list[FollowUp]:
    return list(
        session.scalars(
            select(FollowUp).where(
                FollowUp.person_id == person_id, FollowUp.status.in_([str(s) for s in FOLLOW_UP_PENDING])
            )
        )
    )


def record_wellbeing(
    session: Session,
    person: Person,
    answers: Mapping[str, Answer],
    *,
    timepoint: str,
    goal: Goal | None = None,
    follow_up: FollowUp | None = None,
    instrument: str = ONS4,
) -> list[WellbeingAnswer]:
    """One row per item asked: its 0-10 value, or skipped. Items not asked are not stored."""
    measure = INSTRUMENTS[instrument]
    rows = []
    for item in measure.items:
        given = answers.get(item.key)
        if given is None:
            continue
        skipped = given == SKIPPED
        value = None if skipped else int(given)
        if value is not None and not measure.minimum <= value <= measure.maximum:
            raise ValueError(f"{item.key} must be {measure.minimum}-{measure.maximum}")
        row = WellbeingAnswer(
            person_id=person.id,
            goal_id=goal.id if goal else None,
            follow_up_id=follow_up.id if follow_up else None,
            timepoint=str(timepoint),
            instrument=measure.key,
            instrument_version=measure.version,
            item=item.key,
            value=value,
            skipped=skipped,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def record_baseline(
    session: Session, person: Person, goal: Goal, answers: Mapping[str, Answer]
) -> list[WellbeingAnswer]:
    """The starting ONS4, only for a goal that has check-ins (otherwise it could never be paired)."""
    has_check_ins = session.scalar(select(FollowUp.id).where(FollowUp.goal_id == goal.id).limit(1)) is not None
    if not has_check_ins:
        return []
    return record_wellbeing(session, person, answers, timepoint=Timepoint.BASELINE, goal=goal)


def baseline_values(session: Session, goal_id: str | None, instrument: str = ONS4) -> dict[str, int | None]:
    """The goal's starting answer per item (None when skipped or not asked)."""
    if goal_id is None:
        return {}
    rows = session.scalars(
        select(WellbeingAnswer)
        .where(
            WellbeingAnswer.goal_id == goal_id,
            WellbeingAnswer.timepoint == Timepoint.BASELINE,
            WellbeingAnswer.instrument == instrument,
        )
        .order_by(WellbeingAnswer.recorded_at)
    )
    found: dict[str, int | None] = {}
    for row in rows:
        found.setdefault(row.item, row.value)
    return found


def record_check_in(
    session: Session,
    follow_up: FollowUp,
    *,
    attended: bool | None,
    progress: str | None,
    barrier: str | None,
    note: str | None,
    keep_note: bool,
    answers: Mapping[str, Answer],
) -> list[WellbeingAnswer]:
    """Store this check-in's answers on its own row and mark it answered."""
    person = session.get(Person, follow_up.person_id)
    if person is None:
        raise LookupError("the check-in's person is gone")
    goal = session.get(Goal, follow_up.goal_id) if follow_up.goal_id else None
    follow_up.attended = attended
    if progress in GAS:
        follow_up.progress, follow_up.progress_gas = progress, GAS[progress]
    follow_up.barrier = barrier
    follow_up.note = note.strip()[:500] if keep_note and note and note.strip() and note != SKIPPED else None
    follow_up.status, follow_up.answered_at = FollowUpStatus.ANSWERED, utcnow()
    follow_up.claimed_by = follow_up.claim_expires_at = None
    if goal is not None and progress in GAS:
        goal.status = GoalStatus.DONE if GAS[progress] >= 0 else GoalStatus.PARTLY if attended else GoalStatus.NOT_YET
    rows = record_wellbeing(session, person, answers, timepoint=Timepoint.FOLLOW_UP, goal=goal, follow_up=follow_up)
    session.flush()
    return rows
