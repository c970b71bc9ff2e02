"""Console pages: login and the home page; link-worker and curator pages hang off this router.

Every page is drawn with the NHS.UK design system: our templates sit in front of the
`nhsuk-frontend-jinja` macros, and the compiled CSS, JavaScript and images are served by the
app itself (bot/static/nhsuk). Each page carries a Content-Security-Policy that allows only our
own files (and one nonce'd script, the design system's "js-enabled" line), so no inline CSS,
no CDN and no web font from elsewhere can creep in.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from sqlalchemy import func, select
from starlette.templating import Jinja2Templates

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
from bot.statuses import HANDOFF_ACTIVE, HandoffStatus, Role

_env = Environment(
    loader=ChoiceLoader([
        FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
        PackageLoader("nhsuk_frontend_jinja", "templates"),
    ]),
    autoescape=select_autoescape(("html", "jinja")),
    undefined=ChainableUndefined,  # the macros expect Nunjucks-like lenient lookups (params.search.action)
)
# The design system's macros, available to every console template, partial and fragment.
_MACROS = {
    "header": "header", "footer": "footer", "errorSummary": "error-summary", "tag": "tag", "button": "button",
    "input": "input", "textarea": "textarea", "radios": "radios", "select": "select", "checkboxes": "checkboxes",
    "summaryList": "summary-list", "backLink": "back-link", "insetText": "inset-text",
    "warningCallout": "warning-callout", "notificationBanner": "notification-banner", "table": "tables",
}
for _name, _folder in _MACROS.items():
    _env.globals[_name] = getattr(_env.get_template(f"nhsuk/components/{_folder}/macro.jinja").module, _name)
templates = Jinja2Templates(env=_env)
router = APIRouter(prefix="/console")

ROLE_LABELS = {Role.LINK_WORKER: "link worker", Role.CURATOR: "curator", Role.PARTNER: "partner", Role.ADMIN: "admin"}


def content_security_policy(nonce: str) -> str:
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def queue_counts(request: Request) -> dict[str, int]:
    """New, urgent and held handoffs: shown in the header to link workers and admins."""
    with request.app.state.sessions() as session:
        active = Handoff.status.in_(HANDOFF_ACTIVE)
        return {
            "new": session.scalar(
                select(func.count()).select_from(Handoff).where(Handoff.status == HandoffStatus.OPEN)) or 0,
            "urgent": session.scalar(
                select(func.count()).select_from(Handoff).where(active, Handoff.urgent.is_(True))) or 0,
            "active": session.scalar(select(func.count()).select_from(Handoff).where(active)) or 0,
        }


def page(request: Request, name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    user = current_user(request)
    nonce = secrets.token_urlsafe(16)
    counts = queue_counts(request) if user and user["role"] in (Role.LINK_WORKER, Role.ADMIN) else None
    context.update(
        user=user, csrf=csrf_token(request), cspNonce=nonce, assetPath="/assets", header_counts=counts,
        role_label=ROLE_LABELS.get(Role(user["role"]), str(user["role"])) if user else None, path=request.url.path,
    )
    errors = context.get("errors") or {}
    context.setdefault("errors_list", [{"text": text, "href": f"#{field}"} for field, text in errors.items()])
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Content-Security-Policy"] = content_security_policy(nonce)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """A console error as a page in the console's own layout (never raw JSON)."""
    titles = {403: "You cannot see this page", 404: "Page not found", 409: "This has changed",
              400: "There is a problem"}
    return page(request, "error.html", status_code=status_code, title=titles.get(status_code, "Something went wrong"),
                message=message)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> Response:
    return page(request, "login.html")


def _refused(request: Request, outcome: LoginOutcome, name: str = "login.html") -> Response:
    """The page again, with why: too many tries (429, nothing was checked) or no match."""
    if outcome.locked_for is not None:
        minutes = max(1, round(outcome.locked_for.total_seconds() / 60))
        field = "password" if name == "login.html" else "code"
        response = page(request, name, errors={field: f"Too many tries. Wait {minutes} minutes, then try again."})
        response.status_code = 429
        response.headers["Retry-After"] = str(int(outcome.locked_for.total_seconds()) + 1)
        log_event("console_login_locked")
        return response
    log_event("console_login_failed")
    wrong = ("That code is not right, or it has run out." if name != "login.html"
             else "That username and password do not match.")
    return page(request, name, errors={"password" if name == "login.html" else "code": wrong})


@router.post("/login")
async def login(request: Request, username: str = Form(""), password: str = Form(""), csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    if not username.strip() or not password:
        return page(request, "login.html", status_code=400, username=username,
                    errors={k: v for k, v in (("username", "Enter your username" if not username.strip() else ""),
                                              ("password", "Enter your password" if not password else "")) if v})
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
    return page(request, "home.html")
