"""Console pages: login and the home page; link-worker and curator pages hang off this router."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from bot.console.auth import (
    LoginOutcome,
    attempt_code,
    attempt_login,
    begin_session,
    check_csrf,
    csrf_token,
    current_user,
    end_session,
    require_user,
    start_code_step,
)
from bot.logging_setup import log_event
from bot.models import Handoff
from bot.statuses import HandoffStatus

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
router = APIRouter(prefix="/console")


def page(request: Request, name: str, **context: Any) -> HTMLResponse:
    context.update(user=current_user(request), csrf=csrf_token(request))
    return templates.TemplateResponse(request, name, context)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> Response:
    return page(request, "login.html")


def _refused(request: Request, outcome: LoginOutcome, name: str = "login.html") -> Response:
    """The page again, with why: too many tries (429, nothing was checked) or no match."""
    if outcome.locked_for is not None:
        minutes = max(1, round(outcome.locked_for.total_seconds() / 60))
        response = page(request, name, error=f"Too many tries. Wait {minutes} minutes, then try again.")
        response.status_code = 429
        response.headers["Retry-After"] = str(int(outcome.locked_for.total_seconds()) + 1)
        log_event("console_login_locked")
        return response
    log_event("console_login_failed")
    wrong = ("That code is not right, or it has run out." if name != "login.html"
             else "That username and password do not match.")
    return page(request, name, error=wrong)


@router.post("/login")
async def login(request: Request, username: str = Form(...), password: str = Form(...), csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    outcome = await attempt_login(request, username.strip()[:64], password)
    if outcome.user_id is None:
        return _refused(request, outcome)
    if outcome.needs_code:
        start_code_step(request, outcome.user_id, username.strip()[:64])
        return page(request, "login_code.html")
    user = begin_session(request, outcome.user_id)
    log_event("console_login", role=user["role"])
    return RedirectResponse("/console", status_code=303)


@router.post("/login/code")
async def login_code(request: Request, code: str = Form(""), csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    if not request.session.get("pending"):
        return RedirectResponse("/console/login", status_code=303)
    outcome = await attempt_code(request, code[:16])
    if outcome.user_id is None:
        if not request.session.get("pending"):  # took too long: start again
            return RedirectResponse("/console/login", status_code=303)
        return _refused(request, outcome, "login_code.html")
    user = begin_session(request, outcome.user_id)
    log_event("console_login", role=user["role"], two_step=True)
    return RedirectResponse("/console", status_code=303)


@router.post("/logout")
async def logout(request: Request, csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    end_session(request)
    return RedirectResponse("/console/login", status_code=303)


@router.get("", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    require_user(request)
    with request.app.state.sessions() as session:
        still_open = Handoff.status != HandoffStatus.CLOSED
        open_count = session.scalar(select(func.count()).select_from(Handoff).where(still_open)) or 0
        urgent = session.scalar(
            select(func.count()).select_from(Handoff).where(still_open, Handoff.urgent.is_(True))
        ) or 0
    return page(request, "home.html", open_handoffs=open_count, urgent_handoffs=urgent)
