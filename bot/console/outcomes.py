"""Outcomes for partners (and admins): aggregated tables and a CSV of the same, never a person.

Link workers and curators are refused: they work with people and listings, and a report that
is only for funders and partners is one less screen in which small numbers could be misread.
"""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from bot.console.auth import require_user
from bot.console.routes import page
from bot.logging_setup import log_event
from bot.reports.export import report_csv
from bot.reports.outcomes import COLUMNS, ONS_COLUMNS, PERIODS, OutcomesReport, build_report
from bot.statuses import Role

router = APIRouter(prefix="/console")
ROLE = Role.PARTNER


FIRST_YEAR, LAST_YEAR = 2000, 2100  # outside these no outcome exists, and date sums would overflow


def _day(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name)
    try:
        day = date.fromisoformat(raw) if raw else default
    except ValueError:
        raise HTTPException(400, f"{name}: dates must look like 2024-03-31.") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise HTTPException(400, f"{name}: the date must be in a year from {FIRST_YEAR} to {LAST_YEAR}.")
    return day


def _period(request: Request) -> tuple[date, date]:
    """From ?start=&end= (YYYY-MM-DD); by default the last 12 months up to today."""
    end = _day(request, "end", date.today())
    start = _day(request, "start", max(end - timedelta(days=365), date(FIRST_YEAR, 1, 1)))
    if start > end:
        raise HTTPException(400, "The start date must be on or before the end date.")
    return start, end


def _report(request: Request) -> OutcomesReport:
    start, end = _period(request)
    by = request.query_params.get("by") or "quarter"
    if by not in PERIODS:
        raise HTTPException(400, "by must be quarter or month.")
    with request.app.state.sessions() as session:
        return build_report(session, start, end, request.app.state.settings.outcomes_min_cell, period=by)


@router.get("/outcomes", response_class=HTMLResponse)
async def outcomes(request: Request) -> Response:
    user = require_user(request, ROLE)
    report = _report(request)
    log_event("outcomes_viewed", role=user["role"])
    return page(request, "outcomes.html", report=report, labels=COLUMNS, ons_labels=ONS_COLUMNS)


@router.get("/outcomes.csv")
async def outcomes_csv(request: Request) -> Response:
    user = require_user(request, ROLE)
    report = _report(request)
    log_event("outcomes_downloaded", role=user["role"])
    name = f"outcomes-{report.start.isoformat()}-to-{report.end.isoformat()}-by-{report.period}.csv"
    return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
