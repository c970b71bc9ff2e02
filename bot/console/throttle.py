"""Login throttling: failed attempts counted per account and per client address, with lockout.

Each attempt is counted *before* the password is checked and given back if it succeeds, so a
burst of simultaneous guesses cannot all slip past the count while their hashes are computed.
When a key reaches its limit within the window it is locked for the lock time: further attempts
are refused without checking the password at all. Failures and locks go to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.models import AuditLog, LoginThrottle, utcnow


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Limits:
    account: int
    address: int
    window: timedelta
    lock: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(settings.login_max_failures, settings.login_address_max_failures,
                   timedelta(minutes=settings.login_window_minutes), timedelta(minutes=settings.login_lock_minutes))


def keys(username: str, address: str) -> tuple[str, str]:
    return f"account:{username[:140]}", f"address:{address[:140]}"


def _row(session: Session, key: str, now: datetime, window: timedelta) -> LoginThrottle:
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_started_at=now)
        session.add(row)
    elif row.locked_until is not None and _aware(row.locked_until) <= now:
        row.failures, row.window_started_at, row.locked_until = 0, now, None  # the lock has run out
    elif row.locked_until is None and _aware(row.window_started_at) + window <= now:
        row.failures, row.window_started_at = 0, now
    return row


def _lock(session: Session, row: LoginThrottle, now: datetime, limits: Limits, username: str, address: str) -> None:
    row.locked_until = now + limits.lock
    actor = username[:64] or "(blank)"
    session.add(AuditLog(actor=actor, action="login_locked", entity="login_throttle", entity_id=row.key[:64],
                         changes={"address": address[:64], "failures": row.failures,
                                  "until": row.locked_until.isoformat()}))


def locked_for(session: Session, username: str, address: str, now: datetime | None = None) -> timedelta | None:
    """How long until a try is allowed for this account from this address (None: allowed now)."""
    now = now or utcnow()
    waits = []
    for key in keys(username, address):
        row = session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None and _aware(row.locked_until) > now:
            waits.append(_aware(row.locked_until) - now)
    return max(waits) if waits else None


def reserve(session: Session, username: str, address: str, limits: Limits) -> bool:
    """Count one attempt against both keys; False (and locked) if that goes over a limit. Commits."""
    now = utcnow()
    account_key, address_key = keys(username, address)
    allowed = True
    for key, limit in ((account_key, limits.account), (address_key, limits.address)):
        row = _row(session, key, now, limits.window)
        if row.locked_until is not None:
            allowed = False
            continue
        row.failures += 1
        if row.failures > limit:
            _lock(session, row, now, limits, username, address)
            allowed = False
    session.commit()
    return allowed


def succeeded(session: Session, username: str, address: str) -> None:
    """A correct password: the account's count starts again; the address gets its attempt back."""
    account_key, address_key = keys(username, address)
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key)
                    .execution_options(synchronize_session=False))
    row = session.get(LoginThrottle, address_key)
    if row is not None and row.failures > 0:
        row.failures -= 1
    session.commit()


def failed(session: Session, username: str, address: str, limits: Limits, stage: str = "password") -> bool:
    """Audit a failure (its attempt is already counted); lock keys at their limit. True if now locked."""
    now = utcnow()
    actor = username[:64] or "(blank)"
    session.add(AuditLog(actor=actor, action="login_failed", entity="console_user", entity_id=actor,
                         changes={"address": address[:64], "stage": stage}))
    locked = False
    for key, limit in zip(keys(username, address), (limits.account, limits.address), strict=True):
        row = session.get(LoginThrottle, key)
        if row is not None and row.locked_until is None and row.failures >= limit:
            _lock(session, row, now, limits, username, address)
            locked = True
    stale = now - timedelta(days=1)
    session.execute(delete(LoginThrottle).where(LoginThrottle.window_started_at < stale,
                                                LoginThrottle.locked_until.is_(None))
                    .execution_options(synchronize_session=False))
    session.commit()
    return locked
