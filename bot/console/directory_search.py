"""Finding listings for curators: the overview counts and the filtered, paged list.

"Needs verifying" and "left out of matching" use the same rules as matching
(community_directory.verification) with the months from settings, so what the console
calls left out is exactly what the bot will not offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from community_directory import verification
from community_directory.models import Attribute, Organization, Service

PER_PAGE = 50
CHECKS = {
    "flagged": "Needs verifying",
    "excluded": "Left out of matching",
    "full": "Full",
}


@dataclass(frozen=True)
class Rules:
    today: date
    flag_months: int
    grace_months: int

    def checked(self) -> Any:
        return func.coalesce(Service.last_verified_at, Service.assured_date)

    def needs_verifying(self) -> Any:
        """Active, and not confirmed for flag_months or never confirmed (left-out ones included)."""
        cutoff = verification.months_before(self.today, self.flag_months)
        return and_(Service.status == "active", or_(self.checked().is_(None), self.checked() < cutoff))

    def left_out(self) -> Any:
        """Active, but confirmed so long ago that matching no longer offers it."""
        return and_(Service.status == "active", ~verification.still_offerable(
            self.today, self.flag_months, self.grace_months))

    def state(self, service: Service) -> str:
        """fresh | flagged | excluded | never, for one listing."""
        return verification.state(verification.verified_on(service.last_verified_at, service.assured_date),
                                  self.today, self.flag_months, self.grace_months)


def counts(session: Session, rules: Rules) -> dict[str, int]:
    def total(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    active = Service.status == "active"
    row = session.execute(select(
        total(active), total(rules.needs_verifying()), total(rules.left_out()),
        total(and_(active, Service.is_full.is_(True))), total(Service.status != "active"),
    )).one()
    return dict(zip(("active", "flagged", "excluded", "full", "inactive"), (int(x) for x in row), strict=True))


@dataclass(frozen=True)
class Filters:
    q: str = ""
    need: str = ""
    status: str = ""
    check: str = ""
    page: int = 1


def search(session: Session, rules: Rules, filters: Filters) -> tuple[list[tuple[Service, str | None]], int]:
    """(service, organisation name) rows for one page, by name, and the total."""
    conditions: list[Any] = []
    for word in filters.q.split():
        conditions.append(or_(Service.name.ilike(f"%{word}%"), Service.description.ilike(f"%{word}%")))
    if filters.need:
        conditions.append(exists().where(Attribute.link_id == Service.id, Attribute.taxonomy_term_id == filters.need))
    if filters.status:
        conditions.append(Service.status == filters.status)
    if filters.check == "flagged":
        conditions.append(rules.needs_verifying())
    elif filters.check == "excluded":
        conditions.append(rules.left_out())
    elif filters.check == "full":
        conditions.append(Service.is_full.is_(True))
    total = session.scalar(select(func.count()).select_from(Service).where(*conditions)) or 0
    rows = session.execute(
        select(Service, Organization.name)
        .outerjoin(Organization, Organization.id == Service.organization_id)
        .where(*conditions).order_by(Service.name, Service.id)
        .offset((max(filters.page, 1) - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return [(service, org) for service, org in rows], total
