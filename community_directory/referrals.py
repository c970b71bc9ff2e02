"""Referral counts for fair spread: how many people the assistant has recently sent where.

Besides the all-time `referral_count`, each listing keeps a count that halves every
HALF_LIFE_DAYS, so last month's rush fades and a group that was popular in spring is not
held back in autumn. Matching compares that recent load with similar listings nearby.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.orm import Session

from community_directory.models import Service

HALF_LIFE_DAYS = 28
log = logging.getLogger(__name__)


def current_load(recent: float | None, counted_on: date | None, today: date) -> float:
    """Recent referrals, decayed from `counted_on` to `today`."""
    if not recent or counted_on is None:
        return 0.0
    days = max((today - counted_on).days, 0)
    return recent * 0.5 ** (days / HALF_LIFE_DAYS)


def record_referral(session: Session, service_id: str, today: date | None = None) -> None:
    """Count that someone was pointed at this listing. Flushes; the caller commits.

    An unknown id (a listing removed since it was offered) is logged, not raised: a lost
    count must never break the conversation.
    """
    today = today or date.today()
    service = session.get(Service, service_id, with_for_update=True)
    if service is None:
        log.warning("record_referral: no service %s", service_id)
        return
    service.referral_count = (service.referral_count or 0) + 1
    service.recent_referrals = current_load(service.recent_referrals, service.referrals_counted_on, today) + 1.0
    service.referrals_counted_on = today
    session.flush()
