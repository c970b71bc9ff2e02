"""Console sessions held on the server, so logging out, deactivation and role changes take effect.

The signed cookie carries only a random 256-bit token; the `console_session` row (keyed by the
token's SHA-256) says whose session it is, when it ends, and whether it was revoked. Every console
request checks the row and the user behind it, so an old cookie stops working the moment its
session is revoked, the user is deactivated, or their role, password or two-step secret changes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.models import ConsoleSession, ConsoleUser, utcnow

TOUCH_EVERY = timedelta(minutes=1)  # last_seen is written at most this often, not on every request


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_stamp(user: ConsoleUser) -> str:
    """Changes whenever something a session was granted on changes."""
    material = "\x1f".join([user.id, user.role, str(bool(user.active)), user.password_hash, user.totp_secret or ""])
    return hashlib.sha256(material.encode()).hexdigest()


def start(session: Session, user: ConsoleUser, lifetime: timedelta) -> str:
    """A new session for `user`; returns the token for the cookie (stored only as its digest)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(ConsoleSession(id=digest(token), user_id=user.id, user_stamp=user_stamp(user),
                               created_at=now, last_seen_at=now, expires_at=now + lifetime))
    return token


def check(session: Session, token: str, idle: timedelta, *, allow_demo: bool) -> ConsoleUser | None:
    """The user of a live session, or None (and the session revoked if it has just gone bad)."""
    row = session.get(ConsoleSession, digest(token))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    user = session.get(ConsoleUser, row.user_id)
    good = (
        user is not None and user.active and user_stamp(user) == row.user_stamp
        and _aware(row.expires_at) > now and _aware(row.last_seen_at) + idle > now
        and (allow_demo or not user.demo)
    )
    if not good:
        row.revoked_at = now
        return None
    if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
    return user


def revoke(session: Session, token: str) -> None:
    session.execute(
        update(ConsoleSession).where(ConsoleSession.id == digest(token), ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )


def revoke_all(session: Session, user_id: str) -> int:
    """End every session of one user (deactivation, role or password change); returns how many."""
    result = session.execute(
        update(ConsoleSession).where(ConsoleSession.user_id == user_id, ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def live_count(session: Session, user_id: str) -> int:
    rows = session.scalars(select(ConsoleSession.id).where(ConsoleSession.user_id == user_id,
                                                           ConsoleSession.revoked_at.is_(None)))
    return len(list(rows))
