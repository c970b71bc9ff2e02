"""How fresh a listing is: curators confirm listings, and old confirmations stop counting.

A listing not confirmed for `flag_months` (default 6) is flagged for a curator; after a
further `grace_months` (default 3) matching leaves it out until someone confirms it again.
The confirmation date is our `last_verified_at`, or HSDS `assured_date` for imported data
that has one. A listing with neither is flagged as never checked but still offered, since
many imported directories carry no dates at all.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from community_directory.models import Organization, Service

DEFAULT_FLAG_MONTHS = 6
DEFAULT_GRACE_MONTHS = 3
OFFERABLE_STATUSES = ("active",)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def verified_on(last_verified_at: date | None, assured_date: date | None) -> date | None:
    return last_verified_at or assured_date


def state(verified: date | None, today: date, flag_months: int = DEFAULT_FLAG_MONTHS,
          grace_months: int = DEFAULT_GRACE_MONTHS) -> str:
    """fresh | flagged | excluded | never (no confirmation date at all)."""
    if verified is None:
        return "never"
    if verified < months_before(today, flag_months + grace_months):
        return "excluded"
    if verified < months_before(today, flag_months):
        return "flagged"
    return "fresh"


def still_offerable(today: date, flag_months: int = DEFAULT_FLAG_MONTHS,
                    grace_months: int = DEFAULT_GRACE_MONTHS) -> ColumnElement[bool]:
    """SQL condition: confirmed recently enough to offer (or never dated)."""
    checked = func.coalesce(Service.last_verified_at, Service.assured_date)
    return or_(checked.is_(None), checked >= months_before(today, flag_months + grace_months))


@dataclass(frozen=True)
class StaleListing:
    service_id: str
    name: str
    organization: str
    verified_on: date | None
    months_since: int | None
    state: str  # flagged | excluded | never
    is_demo: bool


def stale_listings(
    session: Session,
    today: date | None = None,
    flag_months: int = DEFAULT_FLAG_MONTHS,
    grace_months: int = DEFAULT_GRACE_MONTHS,
    include_never: bool = True,
) -> list[StaleListing]:
    """Active listings a curator should re-check, oldest confirmation first."""
    today = today or date.today()
    flag_cutoff = months_before(today, flag_months)
    checked = func.coalesce(Service.last_verified_at, Service.assured_date)
    condition = checked < flag_cutoff
    if include_never:
        condition = or_(condition, checked.is_(None))
    rows = session.execute(
        select(Service.id, Service.name, Organization.name, Service.last_verified_at, Service.assured_date,
               Service.is_demo)
        .outerjoin(Organization, Organization.id == Service.organization_id)
        .where(Service.status.in_(OFFERABLE_STATUSES), condition)
    ).all()
    out = []
    for sid, name, org, last, assured, is_demo in rows:
        checked_on = verified_on(last, assured)
        out.append(StaleListing(
            sid, name, org or "", checked_on,
            months_between(checked_on, today) if checked_on else None,
            state(checked_on, today, flag_months, grace_months), bool(is_demo),
        ))
    return sorted(out, key=lambda s: (s.verified_on is not None, s.verified_on or date.min, s.name))
