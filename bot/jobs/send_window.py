"""When a check-in may be sent: inside the sending hours, in Europe/London, on working days.

Every time is kept in UTC and converted with zoneinfo at the edge, so "10:00" is 10:00 on the
person's clock on both sides of a clock change (10:00 GMT in winter, 10:00 BST = 09:00 UTC in
summer). Bank holidays in England come from the `holidays` package, which is kept up to date
(including one-off days such as a coronation), rather than from a list of our own.

Send times are spread over the window: each check-in gets a fixed point in it from a hash of its
id, so a thousand check-ins due on one day do not all go at opening time, and the same check-in
always gets the same time (a restart does not move it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

LONDON = "Europe/London"
MAX_DAYS_AHEAD = 30  # no run of closed days is longer than this


@lru_cache(maxsize=4)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    """A bank holiday in England (including substitute days)."""
    return day in _bank_holidays(day.year)


def jitter(key: str) -> float:
    """A fixed fraction in [0, 1) for this key: where in the window it goes."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


@dataclass(frozen=True)
class SendWindow:
    """Sending hours on the local clock; `end` is exclusive (19:00 means the last send is before 19:00)."""

    start: time = time(10, 0)
    end: time = time(19, 0)
    zone: str = LONDON
    sundays: bool = False
    bank_holidays: bool = False
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("the sending window must end after it starts")
        object.__setattr__(self, "_tz", ZoneInfo(self.zone))

    def local(self, moment: datetime) -> datetime:
        return _aware(moment).astimezone(self._tz)

    def open_on(self, day: date) -> bool:
        """May anything be sent on this local day at all?"""
        if day.weekday() == 6 and not self.sundays:
            return False
        return self.bank_holidays or not is_bank_holiday(day)

    def allowed(self, moment: datetime) -> bool:
        """Is this moment inside the sending hours on an open day (on the local clock)?"""
        here = self.local(moment)
        return self.open_on(here.date()) and self.start <= here.time().replace(tzinfo=None) < self.end

    def slot_on(self, day: date, key: str) -> datetime:
        """This key's fixed point inside the window on `day`, in UTC (the local wall time is DST-correct)."""
        opens = datetime.combine(day, self.start, tzinfo=self._tz)
        closes = datetime.combine(day, self.end, tzinfo=self._tz)
        span = (closes.astimezone(timezone.utc) - opens.astimezone(timezone.utc)).total_seconds()
        return opens.astimezone(timezone.utc) + timedelta(seconds=int(span * jitter(key)))

    def next_slot(self, key: str, *, on_or_after: date, not_before: datetime | None = None) -> datetime:
        """The first open day from `on_or_after` whose slot for `key` is not before `not_before`."""
        day = on_or_after
        for _ in range(MAX_DAYS_AHEAD):
            if self.open_on(day):
                slot = self.slot_on(day, key)
                if not_before is None or slot >= _aware(not_before):
                    return slot
            day += timedelta(days=1)
        raise RuntimeError("no open day found in the next month: check the sending window settings")

    def next_slot_after(self, key: str, moment: datetime) -> datetime:
        """`moment` itself if sending is allowed then, else the key's slot on the next open day.

        Used for reminders: N days after the check-in went out, at the same (already spread) time.
        """
        if self.allowed(moment):
            return _aware(moment)
        return self.next_slot(key, on_or_after=self.local(moment).date(), not_before=moment)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def london_today(now: datetime | None = None) -> date:
    """Today's date on the London clock (the day a person would call today)."""
    return _aware(now or datetime.now(timezone.utc)).astimezone(ZoneInfo(LONDON)).date()


@dataclass(frozen=True)
class FollowUpPolicy:
    """Everything configurable about check-ins, from bot/config.py (defaults: the documented ones)."""

    window: SendWindow = field(default_factory=SendWindow)
    weeks: tuple[int, ...] = (2, 6, 12)
    reminder_days: int = 3
    no_response_days: int = 4
    quiet_minutes: int = 30
    claim_seconds: int = 300

    @classmethod
    def from_settings(cls, settings: object) -> FollowUpPolicy:
        def clock(value: str) -> time:
            hours, minutes = value.split(":")
            return time(int(hours), int(minutes))

        def get(name: str) -> Any:
            return getattr(settings, name)

        return cls(
            window=SendWindow(
                clock(get("follow_up_window_start")),
                clock(get("follow_up_window_end")),
                sundays=get("follow_up_sundays"),
                bank_holidays=get("follow_up_bank_holidays"),
            ),
            weeks=tuple(int(w) for w in get("follow_up_weeks").split(",")),
            reminder_days=get("follow_up_reminder_days"),
            no_response_days=get("follow_up_no_response_days"),
            quiet_minutes=get("follow_up_quiet_minutes"),
            claim_seconds=get("follow_up_claim_seconds"),
        )
