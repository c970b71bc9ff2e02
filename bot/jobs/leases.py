"""Leases so that each periodic job runs in one application process at a time.

A lease is a row per job name with a holder and an expiry. Taking it is one UPDATE that only
succeeds if the lease is free, expired or already ours (or one INSERT for a job never run), so
two processes can never both win, on SQLite or PostgreSQL. The holder renews it every run; if the
holder dies, the lease expires and another process takes over at its next try.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import JobLease, utcnow

PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def try_acquire(session: Session, name: str, ttl: timedelta, holder: str = PROCESS_ID) -> bool:
    """Take or renew the lease on `name` for `ttl`; True if this holder now has it. Commits."""
    now = utcnow()
    result = session.execute(
        update(JobLease)
        .where(JobLease.name == name, or_(JobLease.holder == holder, JobLease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        session.commit()
        return True
    session.rollback()
    if session.get(JobLease, name) is not None:
        return False  # someone else holds it
    session.add(JobLease(name=name, holder=holder, expires_at=now + ttl))
    try:
        session.commit()
        return True
    except IntegrityError:  # another process inserted it first
        session.rollback()
        return False


def release(session: Session, name: str, holder: str = PROCESS_ID) -> None:
    """Give the lease up at shutdown so another process need not wait for it to expire."""
    session.execute(
        update(JobLease).where(JobLease.name == name, JobLease.holder == holder).values(expires_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
