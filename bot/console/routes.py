"""Console pages: login and the home page; link-worker and curator pages hang off this router."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from bot.console.auth import authenticate, check_csrf, csrf_token, require_user
from bot.logging_setup import log_event
from bot.models import Handoff
from bot.statuses import HandoffStatus

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
router = APIRouter(prefix="/console")


def page(request: Request, name: str, **context: Any) -> HTMLResponse:
    context.update(user=request.session.get("user"), csrf=csrf_token(request))
    return templates.TemplateResponse(request, name, context)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> Response:
    return page(request, "login.html")


@router.post("/login")
async def login(request: Request, username: str = Form(...), password: str = Form(...), csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    with request.app.state.sessions() as session:
        user = authenticate(session, username.strip(), password)
        if user is None:
            log_event("console_login_failed")
            return page(request, "login.html", error="That username and password do not match.")
        request.session.clear()  # a fresh session on login: no fixation
        request.session["user"] = {"id": user.id, "username": user.username, "role": user.role}
    log_event("console_login", role=user.role)
    return RedirectResponse("/console", status_code=303)


@router.post("/logout")
async def logout(request: Request, csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    request.session.clear()
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
