"""Console accounts: argon2 password hashes, roles, signed session cookies and CSRF tokens."""

from __future__ import annotations

import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ConsoleUser
from bot.statuses import Role

ROLES = Role.values()  # partner: aggregated outcomes only
_hasher = PasswordHasher()
# Verifying against a dummy hash for unknown users keeps timing the same as for real ones.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class LoginRequired(Exception):
    """Raised by `require_user` for anonymous requests; the app turns it into a redirect."""


def hash_password(password: str) -> str:
    if len(password) < 10:
        raise ValueError("passwords must be at least 10 characters long")
    return _hasher.hash(password)


def create_user(session: Session, username: str, password: str, role: str) -> ConsoleUser:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if not username or len(username) > 64:
        raise ValueError("username must be 1 to 64 characters")
    existing = session.scalar(select(ConsoleUser).where(ConsoleUser.username == username))
    if existing is not None:
        existing.password_hash, existing.role, existing.active = hash_password(password), role, True
        session.flush()
        return existing
    user = ConsoleUser(username=username, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> ConsoleUser | None:
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == username, ConsoleUser.active.is_(True)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(403, "The form was out of date or not from this site. Go back, reload and try again.")


def require_user(request: Request, *roles: str) -> dict[str, str]:
    """The logged-in user; admins may do everything, others only what their role allows."""
    user = request.session.get("user")
    if not user:
        raise LoginRequired()
    if roles and user["role"] != Role.ADMIN and user["role"] not in roles:
        raise HTTPException(403, "Your account cannot see this page.")
    return user
