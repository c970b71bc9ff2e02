"""Outcomes reports as releases: whole calendar months and quarters, computed once after they close, then kept.

Why: a report recomputed on every view for any window lets a reader difference two windows (one
day apart, or before and after an erasure) and read one person back. A release is only ever one
closed month or quarter; it is computed the first time it is asked for and stored with only its
published figures (bot/reports/disclosure.py) and the rule's version, so every later view shows
exactly the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import ReportRelease
from bot.reports import disclosure
from bot.reports.outcomes import Cell, OutcomesReport, Row, Table, build_report

BREAKDOWN = "month"  # a release's "by period" table is always by month


class NotReleased(ValueError):
    """The window asked for is not a whole, closed month or quarter."""


@dataclass(frozen=True)
class Period:
    key: str  # "2026-10" or "2026-Q3"
    start: date
    end: date

    @property
    def kind(self) -> str:
        return "quarter" if "Q" in self.key else "month"


def month(year: int, number: int) -> Period:
    start = date(year, number, 1)
    end = date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)
    return Period(f"{year}-{number:02d}", start, end)


def quarter(year: int, number: int) -> Period:
    first = month(year, 3 * number - 2)
    return Period(f"{year}-Q{number}", first.start, month(year, 3 * number).end)


def parse_key(text: str) -> Period:
    """'2026-10' (a month) or '2026-Q3' (a quarter)."""
    found = re.fullmatch(r"(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))", text.strip())
    if not found:
        raise NotReleased("period must look like 2026-10 (a month) or 2026-Q3 (a quarter).")
    year = int(found.group(1))
    return month(year, int(found.group(2))) if found.group(2) else quarter(year, int(found.group(3)))


def from_dates(start: date, end: date) -> Period:
    """The month or quarter these dates cover exactly, or NotReleased."""
    candidates = (month(start.year, start.month), quarter(start.year, (start.month - 1) // 3 + 1))
    for period in candidates:
        if (period.start, period.end) == (start, end):
            return period
    raise NotReleased("start and end must cover one whole calendar month or quarter (e.g. 2026-07-01 to 2026-09-30).")


def check_closed(period: Period, today: date) -> None:
    if period.end >= today:
        raise NotReleased(
            f"period {period.key} has not closed yet; only months and quarters that have ended are released."
        )


def last_closed_quarter(today: date) -> Period:
    current = quarter(today.year, (today.month - 1) // 3 + 1)
    day = current.start - timedelta(days=1)
    return quarter(day.year, (day.month - 1) // 3 + 1)


def get_release(
    session: Session, period: Period, today: date, min_cell: int = disclosure.SMALLEST_SHOWN
) -> OutcomesReport:
    """The kept release for a closed period, computing and storing it the first time it is asked for."""
    check_closed(period, today)
    kept = session.get(ReportRelease, period.key)
    if kept is None:
        report = build_report(session, period.start, period.end, min_cell, period=BREAKDOWN)
        kept = ReportRelease(
            period_key=period.key, period_start=period.start, period_end=period.end,
            rule_version=disclosure.RULE_VERSION, figures=to_figures(report),
        )
        session.add(kept)
        try:
            session.commit()
        except IntegrityError:  # another request released it first: theirs is the release
            session.rollback()
            kept = session.get(ReportRelease, period.key)
            assert kept is not None
    return from_figures(kept.figures)


def to_figures(report: OutcomesReport) -> dict[str, Any]:
    """Only what a reader may see: each cell's published value (None when hidden) and its mark."""
    def table(t: Table) -> dict[str, Any]:
        def row(r: Row) -> dict[str, Any]:
            return {"key": r.key, "label": r.label,
                    "cells": {c: {"v": cell.published(c), "m": cell.mark} for c, cell in r.cells.items()}}
        return {"title": t.title, "group_label": t.group_label, "columns": list(t.columns),
                "rows": [row(r) for r in t.rows], "total": row(t.total) if t.total else None}

    return {
        "start": report.start.isoformat(), "end": report.end.isoformat(), "min_cell": report.min_cell,
        "period": report.period, "demo_people": report.demo_people,  # made-up people: the label must show
        "imd_edition": report.imd_edition, "instrument_version": report.instrument_version,
        "by_decile": table(report.by_decile), "by_need": table(report.by_need),
        "by_period": table(report.by_period), "wellbeing": table(report.wellbeing),
    }


def from_figures(figures: dict[str, Any]) -> OutcomesReport:
    def table(t: dict[str, Any]) -> Table:
        def row(r: dict[str, Any]) -> Row:
            return Row(r["key"], r["label"], {c: Cell(v["v"], v["m"]) for c, v in r["cells"].items()})
        return Table(t["title"], t["group_label"], tuple(t["columns"]), [row(r) for r in t["rows"]],
                     row(t["total"]) if t["total"] else None)

    return OutcomesReport(
        date.fromisoformat(figures["start"]), date.fromisoformat(figures["end"]), figures["min_cell"],
        table(figures["by_decile"]), table(figures["by_need"]), table(figures["by_period"]),
        table(figures["wellbeing"]), figures["demo_people"], figures["period"],
        figures["imd_edition"], figures["instrument_version"],
    )
