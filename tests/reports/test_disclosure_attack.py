"""The differencing attack from issue 14, run against the partner report with its own output only.

Demo-like data (a few people per decile and need each month). The attacker (a) compares a month with
its quarter minus the other months, and tries any other window; (b) re-views a period after an
erasure; (c) subtracts derived cells (sent - answered, answered - went, total - the other rows).
Nothing may come back: every published count is hidden or a multiple of 5, every difference is a
multiple of 5 or involves a hidden cell, no derived cell that is really 1 to 7 can be worked out,
and no mean over fewer than 10 people is shown.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select

from bot.devtools.demo_outcomes import seed_demo_outcomes
from bot.models import Consent
from bot.policy.erasure import forget_person
from bot.reports import disclosure
from bot.reports.outcomes import COUNT_COLUMNS, DERIVED, MEAN_COLUMNS, build_report
from bot.reports.releases import NotReleased, from_dates, get_release, month, quarter, to_figures

TODAY = date(2026, 12, 1)
SEEDED_AT = datetime(2026, 11, 20, tzinfo=timezone.utc)  # demo journeys from late January 2026 on
Q3 = quarter(2026, 3)
MONTHS = [month(2026, 7), month(2026, 8), month(2026, 9)]


def _number(text: str) -> int | None:
    """A shown count as a number; None when hidden ("fewer than 8", "not shown") or empty ("-")."""
    return int(text) if re.fullmatch(r"\d+", text) else None


def published(report: Any) -> dict[tuple[str, str, str], str]:
    """Every figure a reader sees: {(table, row, column): text}."""
    out: dict[tuple[str, str, str], str] = {}
    for table in (*report.tables, report.wellbeing):
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for column in table.columns:
                out[(table.title, row.key, column)] = row.cells[column].text(column, report.min_cell)
    return out


@pytest.fixture
def seeded(session):
    seed_demo_outcomes(session, people=300, now=SEEDED_AT)
    session.commit()
    return session


def test_every_published_count_is_hidden_or_a_multiple_of_5_and_means_need_10_people(seeded):
    for period in (Q3, *MONTHS):
        release = get_release(seeded, period, TODAY)
        raw = build_report(seeded, period.start, period.end, period="month")  # the true counts, to check against
        truth = published_truth(raw)
        for (table, key, column), text in published(release).items():
            if column in COUNT_COLUMNS:
                shown = _number(text)
                assert shown is None or shown % 5 == 0, (period.key, table, key, column, text)
                if shown is not None:
                    assert not disclosure.is_small(truth[(table, key, column)])
            if column in MEAN_COLUMNS and text not in ("-", "not shown") and not text.startswith("fewer than"):
                assert truth[(table, key, "paired_for_mean")] >= 10, (period.key, table, key, column, text)
                assert re.fullmatch(r"[+-]?\d+( to [+-]?\d+)?", text), text  # whole numbers only


def published_truth(raw: Any) -> dict[tuple[str, str, str], int]:
    """The unrounded counts behind each cell, and how many people each row's means are over."""
    truth: dict[tuple[str, str, str], int] = {}
    for table in (*raw.tables, raw.wellbeing):
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for column, cell in row.cells.items():
                if column in COUNT_COLUMNS:
                    truth[(table.title, row.key, column)] = int(cell.value or 0)
            paired = int(row.cells["paired"].value or 0)
            gas_people = int(row.cells["goal_met"].value or 0) if "goal_met" in row.cells else paired
            truth[(table.title, row.key, "paired_for_mean")] = paired
            truth[(table.title, row.key, "gas_people")] = gas_people
    return truth


def test_a_month_cannot_be_had_from_its_quarter_minus_the_other_months(seeded):
    whole = published(get_release(seeded, Q3, TODAY))
    parts = [published(get_release(seeded, m, TODAY)) for m in MONTHS]
    compared = 0
    for (table, key, column), text in whole.items():
        if column not in COUNT_COLUMNS or table.startswith("By month"):
            continue
        figures = [_number(text), *(_number(p.get((table, key, column), "-")) for p in parts)]
        if any(f is None for f in figures):
            continue  # involves a hidden cell
        q, *ms = figures
        for i in range(3):
            estimate = q - sum(m for j, m in enumerate(ms) if j != i)  # type: ignore[operator]
            assert estimate % 5 == 0  # never an exact small count of people
            compared += 1
    assert compared > 50


def test_no_other_window_is_released():
    for start, end in [(date(2026, 7, 1), date(2026, 7, 1)), (date(2026, 7, 1), date(2026, 7, 30)),
                       (date(2026, 7, 2), date(2026, 8, 1)), (date(2026, 7, 1), date(2026, 8, 31)),
                       (date(2026, 1, 1), date(2026, 12, 31))]:
        with pytest.raises(NotReleased):
            from_dates(start, end)
    assert from_dates(date(2026, 7, 1), date(2026, 9, 30)) == Q3


def test_the_current_month_and_quarter_are_not_yet_released(session):
    with pytest.raises(NotReleased):
        get_release(session, month(2026, 12), TODAY)
    with pytest.raises(NotReleased):
        get_release(session, quarter(2026, 4), TODAY)
    with pytest.raises(NotReleased):
        get_release(session, month(2026, 11), date(2026, 11, 30))  # its last day is not over


def test_re_viewing_after_an_erasure_reveals_nothing(seeded):
    first = to_figures(get_release(seeded, Q3, TODAY))
    someone = seeded.scalar(select(Consent.person_id).where(
        Consent.created_at >= datetime(2026, 8, 1), Consent.created_at < datetime(2026, 9, 1)).limit(1))
    before = published(build_report(seeded, Q3.start, Q3.end, period="month"))
    forget_person(seeded, someone, "sms")
    seeded.commit()
    assert to_figures(get_release(seeded, Q3, TODAY)) == first  # the kept release, not a new count
    # A recount would have moved (so the kept release is what protects the erased person).
    assert published(build_report(seeded, Q3.start, Q3.end, period="month")) != before


def test_derived_cells_give_back_no_small_count(seeded):
    for period in (Q3, *MONTHS):
        release = get_release(seeded, period, TODAY)
        raw = build_report(seeded, period.start, period.end, period="month")
        tables = zip((*release.tables, release.wellbeing), (*raw.tables, raw.wellbeing), strict=True)
        for shown_table, raw_table in tables:
            shown_rows = [*shown_table.rows, *([shown_table.total] if shown_table.total else [])]
            raw_rows = [*raw_table.rows, *([raw_table.total] if raw_table.total else [])]
            for shown, true in zip(shown_rows, raw_rows, strict=True):
                for whole, parts in DERIVED:
                    names = (whole, *parts)
                    if any(n not in shown_table.columns for n in names):
                        continue
                    figures = [_number(shown.cells[n].text(n, release.min_cell)) for n in names]
                    if any(f is None for f in figures):
                        continue
                    assert (figures[0] - sum(figures[1:])) % 5 == 0  # type: ignore[operator]
                    left = int(true.cells[whole].value or 0) - sum(int(true.cells[p].value or 0) for p in parts)
                    assert not disclosure.is_small(left), (period.key, shown_table.title, shown.key, whole, parts, left)
            if shown_table.total is None or shown_table.title == "By need":
                continue  # needs overlap: their rows do not add up to the total
            for column in set(shown_table.columns) & COUNT_COLUMNS:
                if _number(shown_table.total.cells[column].text(column, release.min_cell)) is None:
                    continue
                hidden = [r for r in shown_table.rows if _number(r.cells[column].text(column, release.min_cell)) is None
                          and r.cells[column].mark]
                assert len(hidden) != 1, (period.key, shown_table.title, column)  # total - the rest would give it
