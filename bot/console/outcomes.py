"""Outcomes for partners (and admins): aggregated tables and a CSV of the same, never a person.

Link workers and curators are refused: they work with people and listings, and a report that
is only for funders and partners is one less screen in which small numbers could be misread.
Only releases are shown (bot/reports/releases.py): one whole calendar month or quarter that has
closed, computed once and kept. Which release each user viewed is written to the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from bot.console.auth import require_user
from bot.console.routes import page
from bot.logging_setup import log_event
from bot.models import AuditLog
from bot.reports.export import report_csv
from bot.reports.outcomes import COLUMNS, ONS_COLUMNS, PERIODS, OutcomesReport
from bot.reports.releases import NotReleased, Period, from_dates, get_release, last_closed_quarter, parse_key
from bot.statuses import Role

router = APIRouter(prefix="/console")
ROLE = Role.PARTNER


def _period(request: Request) -> Period:
    """From ?period=2026-10 or 2026-Q3, or ?start=&end= covering exactly one month or quarter.

    By default the last quarter that has closed. Anything else is refused with a 400 that names
    the parameter, so no one-day or overlapping window can be asked for.
    """
    params = request.query_params
    by = params.get("by")
    if by and by not in PERIODS:
        raise HTTPException(400, "by must be quarter or month.")
    try:
        if params.get("period"):
            return parse_key(params["period"])
        if params.get("start") or params.get("end"):
            given = [name for name in ("start", "end") if params.get(name)]  # a bad one given is named first
            days = {name: _day(params.get(name), name) for name in given + [n for n in ("start", "end") if n not in given]}
            start, end = days["start"], days["end"]
            return from_dates(start, end)
    except NotReleased as error:
        raise HTTPException(400, str(error)) from None
    return last_closed_quarter(date.today())


FIRST_YEAR, LAST_YEAR = 2000, 2100  # outside these no outcome exists, and date sums would overflow


def _day(raw: str | None, name: str) -> date:
    """One end of a window, or a 400 naming the parameter."""
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        raise HTTPException(400, f"{name}: dates must look like 2024-03-31 (start and end both).") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise HTTPException(400, f"{name}: the date must be in a year from {FIRST_YEAR} to {LAST_YEAR}.")
    return day


def _report(request: Request, user: dict[str, Any], view: str) -> OutcomesReport:
    period = _period(request)
    with request.app.state.sessions() as session:
        try:
            report = get_release(session, period, date.today(), request.app.state.settings.outcomes_min_cell)
        except NotReleased as error:
            raise HTTPException(400, str(error)) from None
        session.add(AuditLog(actor=user["username"], action="view_report", entity="report_release",
                             entity_id=period.key, changes={"view": view}))
        session.commit()
    return report


@router.get("/outcomes", response_class=HTMLResponse)
async def outcomes(request: Request) -> Response:
    user = require_user(request, ROLE)
    report = _report(request, user, "page")
    log_event("outcomes_viewed", role=user["role"])
    return page(request, "outcomes.html", report=report, labels=COLUMNS, ons_labels=ONS_COLUMNS)


@router.get("/outcomes.csv")
async def outcomes_csv(request: Request) -> Response:
    user = require_user(request, ROLE)
    report = _report(request, user, "csv")
    log_event("outcomes_downloaded", role=user["role"])
    name = f"outcomes-{report.start.isoformat()}-to-{report.end.isoformat()}-by-{report.period}.csv"
    return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
