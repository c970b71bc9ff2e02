"""Outcomes for partners and commissioners: what changed for people, by deprivation decile and need.

Counted: people who agreed (in the conversation) to us keeping their data, and whose standing
"yes" was given in the period (a cohort, so each person's later check-in counts with them).
Every count is of people, never of messages or visits. Wellbeing is compared only for people
with both a starting and a check-in score (paired): comparing everyone who answered at the start
with the fewer who answered later would show a change that is only a change in who replied.
Small numbers are hidden by `bot.reports.suppression`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Consent, FollowUp, Goal, Outcome, Person
from bot.reports.suppression import SECONDARY, SMALL, protect_column
from bot.statuses import ConsentPurpose, FollowUpStatus, GoalStatus, OutcomeKind
from community_directory.needs import NEEDS

DEMO_CHANNEL = "demo"  # consents made up by bot.devtools.demo carry this channel
COUNTS = ("people", "goal_setters", "asked", "answered", "done", "partly", "paired")
COLUMNS: dict[str, str] = {
    "people": "People who agreed to us keeping their answers",
    "goal_setters": "People who set a goal",
    "goals": "Goals set",
    "asked": "People sent a check-in",
    "answered": "People who answered a check-in",
    "response_rate": "Check-in response rate",
    "done": "People who did what they planned",
    "partly": "People who partly did it",
    "paired": "People with a wellbeing score at the start and at check-in",
    "mean_start": "Mean wellbeing at the start (0-10)",
    "mean_follow_up": "Mean wellbeing at check-in (0-10)",
    "mean_change": "Mean change in wellbeing",
}
NEED_COLUMNS = tuple(c for c in COLUMNS if c != "people")  # a need exists only once a goal is set
NOT_KNOWN = "not known"


@dataclass
class Cell:
    value: int | float | None  # None: nobody to measure
    mark: str | None = None  # None: shown; SMALL or SECONDARY: hidden

    def text(self, column: str, k: int) -> str:
        if self.mark == SMALL:
            return f"fewer than {k}"
        if self.mark == SECONDARY:
            return "not shown"
        if self.value is None:
            return "-"
        if column == "response_rate":
            return f"{self.value:.0f}%"
        if column == "mean_change":
            return f"{self.value:+.1f}"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)


@dataclass
class Row:
    key: str
    label: str
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Table:
    title: str
    group_label: str
    columns: tuple[str, ...]
    rows: list[Row]
    total: Row


@dataclass
class OutcomesReport:
    start: date
    end: date
    min_cell: int
    by_decile: Table
    by_need: Table
    demo_people: int

    @property
    def tables(self) -> tuple[Table, Table]:
        return (self.by_decile, self.by_need)


@dataclass
class _Journey:
    """One person's record, limited to some of their goals (all of them, or one need's)."""

    goals: list[Goal]
    follow_ups: list[FollowUp]
    outcomes: list[Outcome]


def build_report(session: Session, start: date, end: date, min_cell: int = 5) -> OutcomesReport:
    """The report for people whose consent to keep their data was given from `start` to `end` inclusive."""
    people, demo = _cohort(session, start, end)
    ids = list(people)
    goals = _by_person(_load(session, Goal, ids))
    follow_ups = _by_person(_load(session, FollowUp, ids))
    outcomes = _by_person(_load(session, Outcome, ids))
    whole = {pid: _Journey(goals.get(pid, []), follow_ups.get(pid, []), outcomes.get(pid, [])) for pid in ids}

    decile_keys = [str(d) for d in range(1, 11)] + [NOT_KNOWN]
    decile_groups: dict[str, list[_Journey]] = {key: [] for key in decile_keys}
    for pid, decile in people.items():
        decile_groups[str(decile) if decile in range(1, 11) else NOT_KNOWN].append(whole[pid])
    need_keys = [n.key for n in NEEDS] + [NOT_KNOWN]
    need_groups: dict[str, list[_Journey]] = {key: [] for key in need_keys}
    for journey in whole.values():
        for key in need_keys:
            part = _limit_to_need(journey, None if key == NOT_KNOWN else key, known={n.key for n in NEEDS})
            if part.goals:
                need_groups[key].append(part)

    total = Row("all", "All people", _counts(whole.values()))
    by_decile = Table(
        "By deprivation decile", "IMD decile (1 = most deprived)", tuple(COLUMNS),
        [Row(k, _decile_label(k), _counts(v)) for k, v in decile_groups.items()], total,
    )
    by_need = Table(
        "By need", "What the goal was about", NEED_COLUMNS,
        [Row(k, _need_label(k), _counts(v)) for k, v in need_groups.items()], total,
    )
    _suppress(by_decile, by_need, min_cell)
    return OutcomesReport(start, end, min_cell, by_decile, by_need, demo)


def _cohort(session: Session, start: date, end: date) -> tuple[dict[str, int | None], int]:
    """People with a standing 'yes' to keeping their data, first given in the period: {id: decile}."""
    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)
    standing = (
        select(Consent.person_id, func.min(Consent.created_at).label("given_at"),
               func.max(Consent.channel).label("channel"))
        .where(Consent.purpose == ConsentPurpose.KEEP_DATA, Consent.given.is_(True), Consent.withdrawn_at.is_(None))
        .group_by(Consent.person_id)
        .subquery()
    )
    rows = session.execute(
        select(Person.id, Person.imd_decile, standing.c.channel)
        .join(standing, standing.c.person_id == Person.id)
        .where(Person.consent_to_keep.is_(True), standing.c.given_at >= since, standing.c.given_at < until)
    ).all()
    return {pid: decile for pid, decile, _ in rows}, sum(1 for *_, channel in rows if channel == DEMO_CHANNEL)


def _load(session: Session, model: type, person_ids: Sequence[str]) -> list:  # type: ignore[type-arg]
    found: list = []  # type: ignore[type-arg]
    for i in range(0, len(person_ids), 500):  # keep IN lists small for every database
        found.extend(session.scalars(select(model).where(model.person_id.in_(person_ids[i:i + 500]))))  # type: ignore[attr-defined]
    return found


def _by_person(rows: Iterable) -> dict:  # type: ignore[type-arg]
    grouped: dict = {}  # type: ignore[type-arg]
    for row in rows:
        grouped.setdefault(row.person_id, []).append(row)
    return grouped


def _limit_to_need(journey: _Journey, need: str | None, known: set[str]) -> _Journey:
    """Only the goals about this need (None: goals whose need was not recorded), and what hangs off them."""
    goals = [g for g in journey.goals if (g.need in known and g.need == need) or (need is None and g.need not in known)]
    ids = {g.id for g in goals}
    return _Journey(goals, [f for f in journey.follow_ups if f.goal_id in ids], [o for o in journey.outcomes if o.goal_id in ids])


def _counts(journeys: Iterable[_Journey]) -> dict[str, Cell]:
    n = {c: 0 for c in COUNTS}
    goals = 0
    pairs: list[tuple[int, int]] = []
    for j in journeys:
        n["people"] += 1
        n["goal_setters"] += bool(j.goals)
        goals += len(j.goals)
        n["asked"] += any(f.status in (FollowUpStatus.SENT, FollowUpStatus.ANSWERED) for f in j.follow_ups)
        n["answered"] += any(f.status == FollowUpStatus.ANSWERED for f in j.follow_ups)
        statuses = {g.status for g in j.goals}
        n["done"] += GoalStatus.DONE in statuses
        n["partly"] += GoalStatus.DONE not in statuses and GoalStatus.PARTLY in statuses
        pair = _pair(j.outcomes)
        if pair is not None:
            pairs.append(pair)
    n["paired"] = len(pairs)
    cells = {c: Cell(v) for c, v in n.items()}
    cells["goals"] = Cell(goals)
    cells["response_rate"] = Cell(100.0 * n["answered"] / n["asked"] if n["asked"] else None)
    cells["mean_start"] = Cell(_mean(a for a, _ in pairs))
    cells["mean_follow_up"] = Cell(_mean(b for _, b in pairs))
    cells["mean_change"] = Cell(_mean(b - a for a, b in pairs))
    return cells


def _pair(outcomes: list[Outcome]) -> tuple[int, int] | None:
    """First starting score and latest check-in score, if the person gave both."""
    scored = sorted((o for o in outcomes if o.score is not None), key=lambda o: (_aware(o.recorded_at), o.id))
    starts = [o.score for o in scored if o.kind == OutcomeKind.WELLBEING_START]
    later = [o.score for o in scored if o.kind == OutcomeKind.WELLBEING_FOLLOW_UP]
    return (starts[0], later[-1]) if starts and later else None  # type: ignore[return-value]


def _mean(values: Iterable[int]) -> float | None:
    items = list(values)
    return round(sum(items) / len(items), 1) if items else None


def _suppress(by_decile: Table, by_need: Table, k: int) -> None:
    """Hide small counts in both tables; the shared total row is hidden wherever either needs it."""
    for column in COUNTS:
        for table in (by_decile, by_need):
            if column not in table.columns:
                continue
            groups = [int(row.cells[column].value or 0) for row in table.rows]
            total_cell = table.total.cells[column]
            marks, total_mark = protect_column(groups, int(total_cell.value or 0), k, total_mark=total_cell.mark)
            for row, mark in zip(table.rows, marks):
                row.cells[column].mark = mark
            total_cell.mark = total_mark
    for row in [*by_decile.rows, *by_need.rows, by_decile.total]:
        c = row.cells
        c["goals"].mark = c["goal_setters"].mark
        # A rate with its count would give the other count back, so it goes when either does.
        marks = {c["answered"].mark, c["asked"].mark}
        c["response_rate"].mark = SMALL if SMALL in marks else SECONDARY if SECONDARY in marks else None
        for mean in ("mean_start", "mean_follow_up", "mean_change"):
            c[mean].mark = c["paired"].mark


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _decile_label(key: str) -> str:
    return {"1": "1 (most deprived)", "10": "10 (least deprived)"}.get(key, key)


def _need_label(key: str) -> str:
    return "not recorded" if key == NOT_KNOWN else next(n.label for n in NEEDS if n.key == key)
