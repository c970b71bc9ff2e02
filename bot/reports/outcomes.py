"""Outcomes for partners and commissioners: what changed for people, by deprivation decile, need and period.

Counted: people who agreed (in the conversation) to us keeping their data, and whose standing
"yes" was given in the period (a cohort, so each person's later check-ins count with them).
Every count is of people, never of messages or visits. Wellbeing is ONS4 (bot/records/measures.py),
compared only for people with both a baseline and a check-in answer to the same item (paired):
comparing everyone who answered at the start with the fewer who answered later would show a
change that is only a change in who replied. Each mean change comes with a t-based 95% interval.
Deprivation: the English Index of Multiple Deprivation 2019 (LSOA 2011), through NSPL.
Every published figure follows the rule in `bot.reports.disclosure` (counts 1 to 7 suppressed, the rest
rounded to 5, derived cells checked, means over 10 or more paired people only); the secondary
suppression of `bot.reports.suppression` is kept on top, so no hidden cell is left alone in a column.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from scipy import stats  # type: ignore[import-untyped]
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Consent, FollowUp, Goal, Person, WellbeingAnswer
from bot.records.measures import INSTRUMENTS, ONS4, Item
from bot.reports import disclosure
from bot.reports.suppression import SECONDARY, SMALL, protect_column
from bot.statuses import FOLLOW_UP_ASKED, ConsentPurpose, FollowUpStatus, Timepoint
from community_directory.needs import NEEDS

DEMO_CHANNEL = "demo"  # consents made up by bot.devtools.demo carry this channel
IMD_EDITION = "English Index of Multiple Deprivation 2019 (LSOA 2011), via the ONS Postcode Lookup"
HEADLINE_ITEM = "life_satisfaction"
COUNTS = (
    "people",
    "goal_setters",
    "agreed_check_ins",
    "not_yet_due",
    "dropped_out",
    "asked",
    "answered",
    "no_response",
    "attended",
    "goal_met",
    "paired",
)
COLUMNS: dict[str, str] = {
    "people": "People who agreed to us keeping their answers",
    "goal_setters": "People who set a goal",
    "goals": "Goals set",
    "agreed_check_ins": "People who agreed to check-ins",
    "not_yet_due": "People whose first check-in is not yet due",
    "dropped_out": "People who stopped before a check-in",
    "asked": "People sent a check-in",
    "answered": "People who answered a check-in",
    "no_response": "People who did not answer (after a reminder)",
    "response_rate": "Check-in response rate",
    "attended": "People who went",
    "goal_met": "People who met their goal or did better (GAS 0 or more)",
    "mean_gas": "Mean goal attainment (GAS, -2 to +2)",
    "paired": "People with life satisfaction at the start and at check-in",
    "mean_start": "Mean life satisfaction at the start (0-10)",
    "mean_follow_up": "Mean life satisfaction at check-in (0-10)",
    "mean_change": "Mean change in life satisfaction",
    "change_ci": "95% interval of the change",
}
NEED_COLUMNS = tuple(c for c in COLUMNS if c != "people")  # a need exists only once a goal is set
ONS_COLUMNS: dict[str, str] = {
    "paired": "People answering at the start and at check-in",
    "mean_start": "Mean at the start (0-10)",
    "mean_follow_up": "Mean at check-in (0-10)",
    "mean_change": "Mean change",
    "change_ci": "95% interval of the change",
    "poor_at_start": "Low at the start (anxiety: high)",
    "moved_out": "Of those, no longer low (anxiety: high) at check-in",
    "moved_out_share": "Share moving out",
}
COUNT_COLUMNS = frozenset({*COUNTS, "goals", "poor_at_start", "moved_out"})
MEAN_COLUMNS = frozenset({"mean_gas", "mean_start", "mean_follow_up", "mean_change", "change_ci"})
# Cells that can be worked out from others in the same row: (whole, parts). whole - sum(parts) is a
# count of people too, so it is checked by the same rule (bot.reports.disclosure).
DERIVED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("people", ("goal_setters",)),
    ("goal_setters", ("agreed_check_ins",)),
    ("agreed_check_ins", ("asked",)),
    ("agreed_check_ins", ("asked", "not_yet_due")),
    ("agreed_check_ins", ("asked", "not_yet_due", "dropped_out")),
    ("asked", ("answered",)),
    ("asked", ("answered", "no_response")),
    ("answered", ("attended",)),
    ("answered", ("goal_met",)),
    ("answered", ("paired",)),
    ("paired", ("poor_at_start",)),
    ("poor_at_start", ("moved_out",)),
)
NOT_KNOWN = "not known"
PERIODS = ("quarter", "month")


@dataclass
class Cell:
    value: int | float | str | None  # None: nobody to measure
    mark: str | None = None  # None: shown; SMALL or SECONDARY: hidden

    def text(self, column: str, k: int) -> str:
        """The figure as published: counts rounded to 5, means to whole numbers (bot.reports.disclosure)."""
        if self.mark == SMALL:
            return f"fewer than {disclosure.MEAN_MIN_PEOPLE} people" if column in MEAN_COLUMNS else f"fewer than {k}"
        if self.mark == SECONDARY:
            return "not shown"
        if self.value is None:
            return "-"
        if column in COUNT_COLUMNS:
            shown = disclosure.publish_count(int(self.value))
            return f"fewer than {k}" if shown is None else str(shown)
        if column in ("response_rate", "moved_out_share"):
            return f"{self.value:.0f}%"
        if column == "change_ci":
            return str(self.value)
        if column in ("mean_change", "mean_gas"):
            return f"{disclosure.publish_mean(float(self.value)):+d}"
        if isinstance(self.value, float):
            return str(disclosure.publish_mean(self.value))
        return str(self.value)

    def count(self, column: str) -> int | None:
        """The published count (None when hidden or nobody), for rates worked out from rounded counts."""
        shown = self.published(column)
        return shown if isinstance(shown, int) else None

    def published(self, column: str) -> int | float | str | None:
        """The value a reader may see (None: hidden or nobody), the only thing a release keeps."""
        if self.mark or self.value is None:
            return None
        if column in COUNT_COLUMNS:
            return disclosure.publish_count(int(self.value))
        if column in MEAN_COLUMNS - {"change_ci"}:
            return disclosure.publish_mean(float(self.value))
        return self.value


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
    total: Row | None


@dataclass
class OutcomesReport:
    start: date
    end: date
    min_cell: int
    by_decile: Table
    by_need: Table
    by_period: Table
    wellbeing: Table  # ONS4, one row per item, baseline against check-in
    demo_people: int
    period: str = "quarter"
    imd_edition: str = IMD_EDITION
    instrument_version: str = INSTRUMENTS[ONS4].version

    @property
    def tables(self) -> tuple[Table, ...]:
        return (self.by_decile, self.by_need, self.by_period)


@dataclass
class _Journey:
    """One person's record, limited to some of their goals (all of them, or one need's)."""

    goals: list[Goal]
    follow_ups: list[FollowUp]
    answers: list[WellbeingAnswer]
    began: datetime | None = None


def build_report(
    session: Session, start: date, end: date, min_cell: int = disclosure.SMALLEST_SHOWN, period: str = "quarter"
) -> OutcomesReport:
    """The report for people whose consent to keep their data was given from `start` to `end` inclusive.

    `min_cell` can raise the smallest count shown, never lower it below the published rule.
    """
    min_cell = max(min_cell, disclosure.SMALLEST_SHOWN)
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}")
    people, demo = _cohort(session, start, end)
    ids = list(people)
    goals = _by_person(_load(session, Goal, ids))
    follow_ups = _by_person(_load(session, FollowUp, ids))
    answers = _by_person(a for a in _load(session, WellbeingAnswer, ids) if a.instrument == ONS4)
    whole = {
        pid: _Journey(goals.get(pid, []), follow_ups.get(pid, []), answers.get(pid, []), people[pid][1]) for pid in ids
    }

    decile_keys = [str(d) for d in range(1, 11)] + [NOT_KNOWN]
    decile_groups: dict[str, list[_Journey]] = {key: [] for key in decile_keys}
    for pid, (decile, _) in people.items():
        decile_groups[str(decile) if decile in range(1, 11) else NOT_KNOWN].append(whole[pid])
    need_keys = [n.key for n in NEEDS] + [NOT_KNOWN]
    need_groups: dict[str, list[_Journey]] = {key: [] for key in need_keys}
    for journey in whole.values():
        for key in need_keys:
            part = _limit_to_need(journey, None if key == NOT_KNOWN else key, known={n.key for n in NEEDS})
            if part.goals:
                need_groups[key].append(part)
    period_groups: dict[str, list[_Journey]] = {key: [] for key in _period_keys(start, end, period)}
    for journey in whole.values():
        period_groups.setdefault(_period_key(journey.began, period), []).append(journey)

    total = Row("all", "All people", _counts(whole.values(), min_cell))
    by_decile = Table(
        "By deprivation decile",
        "IMD 2019 decile (1 = most deprived)",
        tuple(COLUMNS),
        [Row(k, _decile_label(k), _counts(v, min_cell)) for k, v in decile_groups.items()],
        total,
    )
    by_need = Table(
        "By need",
        "What the goal was about",
        NEED_COLUMNS,
        [Row(k, _need_label(k), _counts(v, min_cell)) for k, v in need_groups.items()],
        total,
    )
    by_period = Table(
        f"By {period} people started",
        f"{period.capitalize()} they agreed",
        tuple(COLUMNS),
        [Row(k, k, _counts(v, min_cell)) for k, v in sorted(period_groups.items())],
        total,
    )
    _suppress((by_decile, by_need, by_period), min_cell)
    wellbeing = _wellbeing_table(whole.values(), min_cell)
    return OutcomesReport(start, end, min_cell, by_decile, by_need, by_period, wellbeing, demo, period)


def _cohort(session: Session, start: date, end: date) -> tuple[dict[str, tuple[int | None, datetime]], int]:
    """People with a standing 'yes' to keeping their data, first given in the period: {id: (decile, when)}."""
    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)
    standing = (
        select(
            Consent.person_id,
            func.min(Consent.created_at).label("given_at"),
            func.max(Consent.channel).label("channel"),
        )
        .where(Consent.purpose == ConsentPurpose.KEEP_DATA, Consent.given.is_(True), Consent.withdrawn_at.is_(None))
        .group_by(Consent.person_id)
        .subquery()
    )
    rows = session.execute(
        select(Person.id, Person.imd_decile, standing.c.given_at, standing.c.channel)
        .join(standing, standing.c.person_id == Person.id)
        .where(Person.consent_to_keep.is_(True), standing.c.given_at >= since, standing.c.given_at < until)
    ).all()
    people = {pid: (decile, _aware(given)) for pid, decile, given, _ in rows}
    return people, sum(1 for *_, channel in rows if channel == DEMO_CHANNEL)


def _load(session: Session, model: type, person_ids: Sequence[str]) -> list[Any]:
    found: list[Any] = []
    for i in range(0, len(person_ids), 500):  # keep IN lists small for every database
        found.extend(session.scalars(select(model).where(model.person_id.in_(person_ids[i : i + 500]))))  # type: ignore[attr-defined]
    return found


def _by_person(rows: Iterable[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.person_id, []).append(row)
    return grouped


def _limit_to_need(journey: _Journey, need: str | None, known: set[str]) -> _Journey:
    """Only the goals about this need (None: goals whose need was not recorded), and what hangs off them."""
    goals = [g for g in journey.goals if (g.need in known and g.need == need) or (need is None and g.need not in known)]
    ids = {g.id for g in goals}
    return _Journey(
        goals,
        [f for f in journey.follow_ups if f.goal_id in ids],
        [a for a in journey.answers if a.goal_id in ids],
        journey.began,
    )


def _period_key(when: datetime | None, period: str) -> str:
    if when is None:
        return NOT_KNOWN
    return f"{when.year}-{when.month:02d}" if period == "month" else f"{when.year} Q{(when.month - 1) // 3 + 1}"


def _period_keys(start: date, end: date, period: str) -> list[str]:
    """Every month or quarter in the period, so an empty one shows as 0 rather than vanishing."""
    keys, day = [], date(start.year, start.month, 1)
    while day <= end:
        key = _period_key(datetime.combine(day, time.min), period)
        if key not in keys:
            keys.append(key)
        day = date(day.year + (day.month // 12), day.month % 12 + 1, 1)
    return keys


def _counts(journeys: Iterable[_Journey], k: int) -> dict[str, Cell]:
    n = {c: 0 for c in COUNTS}
    goals = 0
    gas: list[int] = []
    pairs: list[tuple[int, int]] = []
    for j in journeys:
        n["people"] += 1
        n["goal_setters"] += bool(j.goals)
        goals += len(j.goals)
        statuses = {f.status for f in j.follow_ups}
        asked = bool(statuses & set(FOLLOW_UP_ASKED))
        n["agreed_check_ins"] += bool(j.follow_ups)
        n["asked"] += asked
        if j.follow_ups and not asked:
            waiting = statuses & {FollowUpStatus.SCHEDULED, FollowUpStatus.CLAIMED}
            n["not_yet_due"] += bool(waiting)
            n["dropped_out"] += not waiting  # every check-in was cancelled before one was sent
        answered = sorted(
            (f for f in j.follow_ups if f.status == FollowUpStatus.ANSWERED),
            key=lambda f: (_aware(f.answered_at or f.sent_at), f.sequence),
        )
        n["answered"] += bool(answered)
        n["no_response"] += asked and not answered and FollowUpStatus.NO_RESPONSE in statuses
        n["attended"] += any(f.attended for f in answered)
        scored = [f.progress_gas for f in answered if f.progress_gas is not None]
        if scored:
            gas.append(scored[-1])
            n["goal_met"] += scored[-1] >= 0
        pair = _pair(j.answers, HEADLINE_ITEM)
        if pair is not None:
            pairs.append(pair)
    n["paired"] = len(pairs)
    cells: dict[str, Cell] = {c: Cell(v) for c, v in n.items()}
    cells["goals"] = Cell(goals)
    cells["response_rate"] = Cell(100.0 * n["answered"] / n["asked"] if n["asked"] else None)
    cells["mean_gas"] = Cell(_mean(gas), SMALL if 0 < len(gas) < disclosure.MEAN_MIN_PEOPLE else None)
    cells.update(_change_cells(pairs))
    return cells


def _change_cells(pairs: list[tuple[int, int]]) -> dict[str, Cell]:
    low, high = _interval([b - a for a, b in pairs])
    return {
        "mean_start": Cell(_mean(a for a, _ in pairs)),
        "mean_follow_up": Cell(_mean(b for _, b in pairs)),
        "mean_change": Cell(_mean(b - a for a, b in pairs)),
        "change_ci": Cell(
            f"{disclosure.publish_mean(low):+d} to {disclosure.publish_mean(high):+d}"
            if low is not None and high is not None
            else None
        ),
    }


def _pair(answers: list[WellbeingAnswer], item: str) -> tuple[int, int] | None:
    """First baseline answer and latest check-in answer to this item, if the person gave both."""
    given = sorted(
        (a for a in answers if a.item == item and a.value is not None), key=lambda a: (_aware(a.recorded_at), a.id)
    )
    starts = [a.value for a in given if a.timepoint == Timepoint.BASELINE]
    later = [a.value for a in given if a.timepoint == Timepoint.FOLLOW_UP]
    return (starts[0], later[-1]) if starts and later else None  # type: ignore[return-value]


def _mean(values: Iterable[int]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def _interval(changes: list[int]) -> tuple[float | None, float | None]:
    """The t-based 95% confidence interval of the mean change (needs two people at least)."""
    if len(changes) < 2:
        return None, None
    mean = statistics.fmean(changes)
    spread = statistics.stdev(changes) / math.sqrt(len(changes))
    half = float(stats.t.ppf(0.975, len(changes) - 1)) * spread
    return mean - half, mean + half


def _wellbeing_table(journeys: Iterable[_Journey], k: int) -> Table:
    """Each ONS4 item, baseline against the latest check-in, for the people who answered both."""
    everyone = list(journeys)
    rows = []
    for item in INSTRUMENTS[ONS4].items:
        pairs = [p for p in (_pair(j.answers, item.key) for j in everyone) if p is not None]
        cells = _change_cells(pairs)
        poor = [(a, b) for a, b in pairs if item.is_poor(a)]
        moved = sum(1 for _, b in poor if not item.is_poor(b))
        cells["paired"] = Cell(len(pairs))
        cells["poor_at_start"] = Cell(len(poor))
        cells["moved_out"] = Cell(moved)
        cells["moved_out_share"] = Cell(100.0 * moved / len(poor) if poor else None)
        _suppress_item(cells, k)
        rows.append(Row(item.key, _item_label(item), cells))
    return Table("Wellbeing (ONS4): the start against the latest check-in", "Question", tuple(ONS_COLUMNS), rows, None)


def _suppress_item(cells: dict[str, Cell], k: int) -> None:
    """One item's row: means need 10 paired people; every count, and every difference of two, is 0 or k+."""
    paired = int(cells["paired"].value or 0)
    poor, moved = int(cells["poor_at_start"].value or 0), int(cells["moved_out"].value or 0)
    if 0 < paired < k:
        for cell in cells.values():
            cell.mark = SMALL
        return
    if 0 < paired < disclosure.MEAN_MIN_PEOPLE:
        for column in MEAN_COLUMNS & set(cells):
            cells[column].mark = SMALL
    if 0 < poor < k or 0 < paired - poor < k:  # low at the start, or not low (paired - low)
        for column in ("poor_at_start", "moved_out", "moved_out_share"):
            cells[column].mark = SMALL
    elif 0 < moved < k or 0 < poor - moved < k:  # either could be worked out from the other
        cells["moved_out"].mark = SMALL
        cells["moved_out_share"].mark = SMALL
    shown = [cells[c].count(c) for c in ("poor_at_start", "moved_out")]
    if cells["moved_out_share"].mark is None:
        cells["moved_out_share"].value = disclosure.rate(shown[1], shown[0])  # from the rounded counts


def _suppress(tables: Sequence[Table], k: int) -> None:
    """Hide small counts and small derived cells in every table, until nothing more needs hiding.

    The shared total row is hidden wherever any table needs it. Each pass only hides more, so it ends.
    """
    rows = [(row, table.columns) for table in tables for row in table.rows]
    if tables[0].total is not None:
        rows.append((tables[0].total, tables[0].columns))
    while True:
        before = [(id(row), c, cell.mark) for row, _ in rows for c, cell in row.cells.items()]
        for column in COUNTS:
            for table in tables:
                if column not in table.columns or table.total is None:
                    continue
                groups = [int(row.cells[column].value or 0) for row in table.rows]
                total_cell = table.total.cells[column]
                marks, total_mark = protect_column(
                    groups, int(total_cell.value or 0), k, total_mark=total_cell.mark,
                    marks=[row.cells[column].mark for row in table.rows],
                )
                for row, mark in zip(table.rows, marks, strict=True):
                    row.cells[column].mark = mark
                total_cell.mark = total_mark
        for row, columns in rows:
            _protect_derived(row.cells, columns, k)
        if before == [(id(row), c, cell.mark) for row, _ in rows for c, cell in row.cells.items()]:
            break
    for row, _ in rows:
        c = row.cells
        c["goals"].mark = c["goal_setters"].mark
        # A rate with its count would give the other count back, so it goes when either does.
        hidden = {c["answered"].mark, c["asked"].mark}
        c["response_rate"].mark = SMALL if SMALL in hidden else SECONDARY if SECONDARY in hidden else None
        c["response_rate"].value = disclosure.rate(c["answered"].count("answered"), c["asked"].count("asked"))
        c["mean_gas"].mark = c["mean_gas"].mark or c["goal_met"].mark
        few = 0 < int(c["paired"].value or 0) < disclosure.MEAN_MIN_PEOPLE
        for mean in ("mean_start", "mean_follow_up", "mean_change", "change_ci"):
            c[mean].mark = c["paired"].mark or (SMALL if few else None)


def _protect_derived(cells: dict[str, Cell], columns: Sequence[str], k: int) -> None:
    """A shown whole minus its shown parts is a count too: if it is 1 to k-1, hide the smallest part."""
    for whole, parts in DERIVED:
        names = (whole, *parts)
        if any(n not in columns or n not in cells or cells[n].mark for n in names):
            continue  # a hidden cell in the sum: nothing exact can be worked out
        left = int(cells[whole].value or 0) - sum(int(cells[p].value or 0) for p in parts)
        if 0 < left < k:
            smallest = min(parts, key=lambda p: (int(cells[p].value or 0), p))
            cells[smallest].mark = SECONDARY


def _aware(value: datetime | None) -> datetime:
    if value is None:
        return datetime.min.replace(tzinfo=timezone.utc)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _decile_label(key: str) -> str:
    return {"1": "1 (most deprived)", "10": "10 (least deprived)"}.get(key, key)


def _need_label(key: str) -> str:
    return "not recorded" if key == NOT_KNOWN else next(n.label for n in NEEDS if n.key == key)


def _item_label(item: Item) -> str:
    return item.label
