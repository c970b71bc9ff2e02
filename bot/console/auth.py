"""Console accounts: roles, password logins with throttling, two-step codes, sessions and CSRF.

The cookie is signed (SessionMiddleware) and holds the CSRF token and a session token; who is
logged in is decided on every request from the `console_session` row (bot/console/sessions.py),
never from the cookie alone. Passwords are argon2 hashes checked off the event loop
(bot/console/passwords.py); failures are counted and locked out per account and per client
address (bot/console/throttle.py). Users with a TOTP secret give a 6-digit code after the password.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
from fastapi import HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.console import passwords, sessions, throttle
from bot.console.passwords import PasswordRejected
from bot.models import AuditLog, ConsoleUser
from bot.statuses import Role

ROLES = Role.values()  # partner: aggregated outcomes only
CODE_SECONDS = 300  # how long after the password the two-step code may be given
ISSUER = "Community Connect"

__all__ = ["ROLES", "LoginRequired", "PasswordRejected", "UserExists", "create_user", "authenticate", "require_user"]


class LoginRequired(Exception):
    """Raised by `require_user` for anonymous requests; the app turns it into a redirect."""


class UserExists(ValueError):
    """create_user was asked for a name that is taken, without permission to reset its password."""


# -- accounts (the CLI and the demo set-up) -------------------------------------------------------


def _find(session: Session, username: str) -> ConsoleUser:
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == username))
    if user is None:
        raise ValueError(f"there is no console user {username!r}")
    return user


def _audit(session: Session, user: ConsoleUser, action: str, actor: str, **changes: Any) -> None:
    session.add(AuditLog(actor=actor, action=action, entity="console_user", entity_id=user.id, changes=changes))


def create_user(session: Session, username: str, password: str, role: str, *, reset_password: bool = False,
                demo: bool = False, actor: str = "cli") -> ConsoleUser:
    """A new console user; an existing name is refused unless `reset_password` (which logs them out)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if not username or len(username) > 64 or username != username.strip():
        raise ValueError("username must be 1 to 64 characters, with no spaces at either end")
    existing = session.scalar(select(ConsoleUser).where(ConsoleUser.username == username))
    if existing is not None:
        if not reset_password:
            raise UserExists(f"user {username!r} already exists; use --reset-password to give them a new password")
        existing.password_hash = passwords.hash_password(password, username)
        existing.role, existing.active = role, True
        sessions.revoke_all(session, existing.id)
        _audit(session, existing, "reset_password", actor, role=role)
        session.flush()
        return existing
    user = ConsoleUser(username=username, password_hash=passwords.hash_password(password, username), role=role,
                       demo=demo)
    session.add(user)
    session.flush()
    _audit(session, user, "create_user", actor, role=role, demo=demo)
    return user


def set_password(session: Session, username: str, password: str, actor: str = "cli") -> int:
    """A new password; every session of the user ends. Returns how many were ended."""
    user = _find(session, username)
    user.password_hash = passwords.hash_password(password, username)
    _audit(session, user, "set_password", actor)
    return sessions.revoke_all(session, user.id)


def set_role(session: Session, username: str, role: str, actor: str = "cli") -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    user = _find(session, username)
    _audit(session, user, "set_role", actor, before=user.role, after=role)
    user.role = role
    return sessions.revoke_all(session, user.id)


def deactivate_user(session: Session, username: str, actor: str = "cli") -> int:
    user = _find(session, username)
    user.active = False
    _audit(session, user, "deactivate_user", actor)
    return sessions.revoke_all(session, user.id)


def enrol_totp(session: Session, username: str, actor: str = "cli") -> str:
    """Give the user a new TOTP secret (ending their sessions); returns the otpauth:// URI to scan."""
    user = _find(session, username)
    user.totp_secret, user.totp_last_step = pyotp.random_base32(), None
    _audit(session, user, "totp_enrol", actor)
    sessions.revoke_all(session, user.id)
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=username, issuer_name=ISSUER)


def check_code(user: ConsoleUser, code: str) -> bool:
    """A current 6-digit code (one step either way for clock drift), each usable once."""
    if not user.totp_secret or not (len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # replayed
            user.totp_last_step = step
            return True
    return False


def authenticate(session: Session, username: str, password: str, *, allow_demo: bool = True) -> ConsoleUser | None:
    """The active user with this password, or None (checked in the calling thread; see `attempt_login`)."""
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == username, ConsoleUser.active.is_(True)))
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or (user.demo and not allow_demo):
        return None
    return user


# -- logging in -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    user_id: str | None = None  # None: wrong name or password (or code)
    locked_for: timedelta | None = None  # set: refused without checking, try again after this
    needs_code: bool = False  # the password was right; a two-step code must follow


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limits(request: Request) -> throttle.Limits:
    return throttle.Limits.from_settings(request.app.state.settings)


async def attempt_login(request: Request, username: str, password: str) -> LoginOutcome:
    """Check a name and password, throttled; the argon2 work happens in a worker thread."""
    settings: Settings = request.app.state.settings
    address, limits = client_address(request), _limits(request)
    with request.app.state.sessions() as session:
        wait = throttle.locked_for(session, username, address)
        if wait is not None or not throttle.reserve(session, username, address, limits):
            return LoginOutcome(locked_for=wait or limits.lock)
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == username,
                                                        ConsoleUser.active.is_(True)))
        stored_hash = user.password_hash if user is not None else None
    ok = await passwords.verify_off_loop(stored_hash, password)
    with request.app.state.sessions() as session:
        if ok and user is not None and (settings.demo_mode or not user.demo):
            if user.totp_secret:
                return LoginOutcome(user_id=user.id, needs_code=True)  # the attempt stays counted until the code
            throttle.succeeded(session, username, address)
            return LoginOutcome(user_id=user.id)
        throttle.failed(session, username, address, limits)
    return LoginOutcome()


def start_code_step(request: Request, user_id: str, username: str) -> None:
    request.session.clear()
    request.session["pending"] = {"user_id": user_id, "username": username, "at": int(time.time())}


async def attempt_code(request: Request, code: str) -> LoginOutcome:
    """The second step: the 6-digit code for the user whose password was just accepted."""
    pending = request.session.get("pending") or {}
    username, user_id = str(pending.get("username", "")), str(pending.get("user_id", ""))
    if not user_id or time.time() - float(pending.get("at", 0)) > CODE_SECONDS:
        request.session.pop("pending", None)
        return LoginOutcome()
    address, limits = client_address(request), _limits(request)
    with request.app.state.sessions() as session:
        wait = throttle.locked_for(session, username, address)
        if wait is not None or not throttle.reserve(session, username, address, limits):
            return LoginOutcome(locked_for=wait or limits.lock)
        user = session.get(ConsoleUser, user_id)
        if user is not None and user.active and check_code(user, code.strip()):
            session.commit()
            throttle.succeeded(session, username, address)
            request.session.pop("pending", None)
            return LoginOutcome(user_id=user.id)
        throttle.failed(session, username, address, limits, stage="code")
    return LoginOutcome()


def begin_session(request: Request, user_id: str) -> dict[str, str]:
    """A fresh cookie (no fixation) pointing at a new server-side session for this user."""
    settings: Settings = request.app.state.settings
    with request.app.state.sessions() as session:
        user = session.get(ConsoleUser, user_id)
        assert user is not None
        token = sessions.start(session, user, timedelta(hours=settings.console_session_hours))
        session.commit()
        shown = {"id": user.id, "username": user.username, "role": user.role}
    request.session.clear()
    request.session["sid"] = token
    request.session["user"] = shown
    return shown


def end_session(request: Request) -> None:
    token = request.session.get("sid")
    if token:
        with request.app.state.sessions() as session:
            sessions.revoke(session, str(token))
            session.commit()
    request.session.clear()


# -- every console request ------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(str(expected), submitted):
        raise HTTPException(403, "The form was out of date or not from this site. Go back, reload and try again.")


def current_user(request: Request) -> dict[str, str] | None:
    """The user of this request's live session, checked against the database once per request."""
    if hasattr(request.state, "console_user"):
        return request.state.console_user
    token = request.session.get("sid")
    shown: dict[str, str] | None = None
    if isinstance(token, str) and token:
        settings: Settings = request.app.state.settings
        with request.app.state.sessions() as session:
            user = sessions.check(session, token, timedelta(minutes=settings.console_idle_minutes),
                                  allow_demo=settings.demo_mode)
            if user is not None:
                shown = {"id": user.id, "username": user.username, "role": user.role}
            session.commit()
    if shown is None:
        for key in ("sid", "user"):
            request.session.pop(key, None)
    else:
        request.session["user"] = shown  # what the page header shows follows the database
    request.state.console_user = shown
    return shown


def require_user(request: Request, *roles: str) -> dict[str, str]:
    """The logged-in user; admins may do everything, others only what their role allows."""
    user = current_user(request)
    if not user:
        raise LoginRequired()
    if roles and user["role"] != Role.ADMIN and user["role"] not in roles:
        raise HTTPException(403, "Your account cannot see this page.")
    return user
