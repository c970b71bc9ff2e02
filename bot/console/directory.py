"""Curators' directory pages: find, add, edit, verify, close and reopen listings.

The pages only read the POST and render: every change is made by the directory library's
listing editor (community_directory/editing.py, which writes through the same row writer as
the importer). Each change it reports is written to the audit log with the old and new value
of each field the curator would recognise, and the listing page shows that history.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.console.auth import check_csrf, require_user
from bot.console.directory_search import CHECKS, PER_PAGE, Filters, Rules, counts, search
from bot.console.routes import page
from bot.models import AuditLog
from bot.statuses import Role
from community_directory import editing, verification
from community_directory.models import Organization, Service, ServiceStatus
from community_directory.referrals import current_load
from community_directory.schedules import DAY_NAMES, describe, read_schedules

router = APIRouter(prefix="/console/directory")
ROLE = Role.CURATOR
BASE = "/console/directory"
STATE_LABELS = {"fresh": "Up to date", "flagged": "Needs verifying", "excluded": "Left out of matching",
                "never": "Never checked"}
ORGANIZATION_HINTS = 2000  # beyond this many, a datalist of names would be too heavy for the page


def _rules(request: Request) -> Rules:
    settings = request.app.state.settings
    return Rules(date.today(), settings.unverified_flag_months, settings.unverified_grace_months)


def _sessions(request: Request) -> Session:
    return request.app.state.sessions()


def _listing(session: Session, service_id: str) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise HTTPException(404, "There is no listing with that id.")
    return service


def _form_from_post(posted: Any) -> editing.ListingForm:
    """The form as typed (starlette FormData: `needs` is a list of ticked boxes)."""
    values: dict[str, Any] = {}
    for f in fields(editing.ListingForm):
        if f.name == "needs":
            values["needs"] = [str(x) for x in posted.getlist("needs")]
        else:
            values[f.name] = str(posted.get(f.name) or "").replace("\r\n", "\n").strip()
    return editing.ListingForm(**values)


def _audit(session: Session, user: dict[str, str], action: str, service_id: str, changes: dict[str, Any]) -> None:
    session.add(AuditLog(actor=user["username"], action=action, entity="service", entity_id=service_id,
                         changes=changes))


def referral_load(service: Service, today: date) -> float:
    """People pointed at this listing lately, as matching weighs them (each counts half after 4 weeks)."""
    return round(current_load(service.recent_referrals, service.referrals_counted_on, today), 1)


def flag_reason(service: Service, rules: Rules, state: str) -> str | None:
    """Why a listing is flagged or left out, in words a curator can act on."""
    if state == "fresh" or service.status != "active":
        return None
    checked = verification.verified_on(service.last_verified_at, service.assured_date)
    if checked is None:
        return "No one has ever confirmed its details. Check them with the group and mark it as verified."
    since = f"Last confirmed on {checked.strftime('%d %B %Y')}"
    if state == "flagged":
        return f"{since}, more than {rules.flag_months} months ago. Check it with the group and mark it as verified."
    return (f"{since}, more than {rules.flag_months + rules.grace_months} months ago, so the assistant no longer "
            "offers it. Check it with the group and mark it as verified.")


# -- overview and list ------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def overview(request: Request) -> Response:
    require_user(request, ROLE)
    rules = _rules(request)
    with _sessions(request) as session:
        numbers = counts(session, rules)
        terms = editing.need_terms(session)
        session.commit()
        session.expunge_all()
    return page(request, "directory_home.html", counts=numbers, rules=rules, terms=terms)


@router.get("/listings", response_class=HTMLResponse)
async def listings(request: Request) -> Response:
    require_user(request, ROLE)
    q = request.query_params
    try:
        page_number = max(int(q.get("page") or 1), 1)
    except ValueError:
        page_number = 1
    status, check = q.get("status") or "", q.get("check") or ""
    filters = Filters(q=(q.get("q") or "").strip(), need=q.get("need") or "",
                      status=status if status in ServiceStatus else "",
                      check=check if check in CHECKS else "", page=page_number)
    rules = _rules(request)
    with _sessions(request) as session:
        rows, total = search(session, rules, filters)
        terms = editing.need_terms(session)
        session.commit()
        found = [{"service": s, "organization": org, "state": rules.state(s)} for s, org in rows]
        load = {s.id: referral_load(s, rules.today) for s, _ in rows}
        session.expunge_all()
    pages = max(math.ceil(total / PER_PAGE), 1)
    return page(request, "directory_list.html", rows=found, total=total, filters=filters, pages=pages,
                terms=terms, statuses=ServiceStatus, checks=CHECKS, state_labels=STATE_LABELS, load=load)


# -- one listing ------------------------------------------------------------------------------


@router.get("/listings/{service_id}", response_class=HTMLResponse)
async def view(request: Request, service_id: str) -> Response:
    require_user(request, ROLE)
    rules = _rules(request)
    with _sessions(request) as session:
        service = _listing(session, service_id)
        details = editing.snapshot(service)
        state = rules.state(service)
        load = referral_load(service, rules.today)
        why = flag_reason(service, rules, state)
        history = list(session.scalars(
            select(AuditLog).where(AuditLog.entity == "service", AuditLog.entity_id == service_id)
            .order_by(AuditLog.at.desc())
        ))
        session.expunge_all()
    return page(request, "directory_view.html", service=service, details=details, history=history,
                state=state, state_label=STATE_LABELS[state], flash=request.query_params.get("done"),
                load=load, why_flagged=why)


def _form_page(request: Request, session: Session, form: editing.ListingForm, *, service: Service | None,
               errors: dict[str, str] | None = None, status_code: int = 200, note: str | None = None) -> Response:
    terms = editing.need_terms(session)
    organizations: list[str] = []
    if (session.scalar(select(func.count()).select_from(Organization)) or 0) <= ORGANIZATION_HINTS:
        organizations = list(session.scalars(select(Organization.name).order_by(Organization.name)))
    response = page(request, "directory_form.html", form=form, service=service, errors=errors or {},
                    terms=terms, organizations=organizations, days=DAY_NAMES, note=note)
    response.status_code = status_code
    return response


@router.get("/new", response_class=HTMLResponse)
async def new_form(request: Request) -> Response:
    require_user(request, ROLE)
    with _sessions(request) as session:
        response = _form_page(request, session, editing.ListingForm(), service=None)
        session.commit()
    return response


@router.post("/new")
async def create(request: Request) -> Response:
    user = require_user(request, ROLE)
    posted = await request.form()
    check_csrf(request, str(posted.get("csrf") or ""))
    form = _form_from_post(posted)
    with _sessions(request) as session:
        allowed = {t.id for t in editing.need_terms(session)}
        checked = editing.check(session, form, allowed)
        if checked.errors:
            return _form_page(request, session, form, service=None, errors=checked.errors, status_code=400)
        service_id, changes = editing.create_listing(session, form, checked, by=user["username"], today=date.today())
        _audit(session, user, "create", service_id, changes)
        session.commit()
    return RedirectResponse(f"{BASE}/listings/{service_id}?done=created", status_code=303)


@router.get("/listings/{service_id}/edit", response_class=HTMLResponse)
async def edit_form(request: Request, service_id: str) -> Response:
    require_user(request, ROLE)
    with _sessions(request) as session:
        service = _listing(session, service_id)
        return _form_page(request, session, editing.form_from_service(service), service=service,
                          note=_schedule_note(service))


def _schedule_note(service: Service) -> str | None:
    """When the listing's times are more than the form can show, say what they are."""
    form = editing.form_from_service(service)
    if service.schedules and (len(service.schedules) > 1 or not form.day):
        return describe(read_schedules(service.schedules), None)
    return None


@router.post("/listings/{service_id}/edit")
async def edit(request: Request, service_id: str) -> Response:
    user = require_user(request, ROLE)
    posted = await request.form()
    check_csrf(request, str(posted.get("csrf") or ""))
    form = _form_from_post(posted)
    with _sessions(request) as session:
        service = _listing(session, service_id)
        allowed = {t.id for t in editing.need_terms(session)}
        groups = form.changed_groups(editing.form_from_service(service))
        checked = editing.check(session, form, allowed, unchanged=set(editing.ListingForm.GROUPS) - groups)
        if checked.errors:
            return _form_page(request, session, form, service=service, errors=checked.errors, status_code=400,
                              note=_schedule_note(service))
        if not groups:
            return RedirectResponse(f"{BASE}/listings/{service_id}?done=unchanged", status_code=303)
        changes = editing.edit_listing(session, service_id, form, checked, groups)
        _audit(session, user, "edit", service_id, changes)
        session.commit()
    return RedirectResponse(f"{BASE}/listings/{service_id}?done=saved", status_code=303)


# -- quick actions ----------------------------------------------------------------------------


Change = Callable[[Session, str, dict[str, str]], editing.Changes]


async def _quick(request: Request, service_id: str, action: str, change: Change) -> Response:
    """Check the form, change one thing through the listing editor, audit it, and go back to the listing."""
    user = require_user(request, ROLE)
    posted = await request.form()
    check_csrf(request, str(posted.get("csrf") or ""))
    with _sessions(request) as session:
        _listing(session, service_id)
        changes = change(session, service_id, user)
        if changes:
            _audit(session, user, action, service_id, changes)
        session.commit()
    return RedirectResponse(f"{BASE}/listings/{service_id}?done={action}", status_code=303)


@router.post("/listings/{service_id}/verify")
async def verify(request: Request, service_id: str) -> Response:
    return await _quick(request, service_id, "verify",
                        lambda s, sid, user: editing.verify(s, sid, by=user["username"], today=date.today()))


@router.post("/listings/{service_id}/deactivate")
async def deactivate(request: Request, service_id: str) -> Response:
    return await _quick(request, service_id, "deactivate", lambda s, sid, _: editing.set_status(s, sid, "inactive"))


@router.post("/listings/{service_id}/reactivate")
async def reactivate(request: Request, service_id: str) -> Response:
    return await _quick(request, service_id, "reactivate", lambda s, sid, _: editing.set_status(s, sid, "active"))


@router.post("/listings/{service_id}/full")
async def mark_full(request: Request, service_id: str) -> Response:
    return await _quick(request, service_id, "mark_full", lambda s, sid, _: editing.set_full(s, sid, True))


@router.post("/listings/{service_id}/not-full")
async def mark_not_full(request: Request, service_id: str) -> Response:
    return await _quick(request, service_id, "mark_not_full", lambda s, sid, _: editing.set_full(s, sid, False))
