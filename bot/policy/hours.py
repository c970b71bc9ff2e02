"""When link workers are working, so every text can say honestly when a person will see a flag.

Working hours are days of the week, a daily span and a time zone, minus bank holidays (England's
by default, from the `holidays` package). The same object answers "is anyone there now?" and
"when will someone next be there?", and describes the hours in words for the handoff text, so
the safety text and the handoff text cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

if TYPE_CHECKING:
    from bot.config import Settings

# Said when a person asks for a person; the hours come from the settings, as in the safety text.
HANDOFF_REQUESTED = "OK. I have asked a link worker to get in touch. They work {hours}."

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SHORT = {name[:3].lower(): i for i, name in enumerate(DAY_NAMES)}
BANK_HOLIDAY_REGIONS = {"england": ("GB", "ENG"), "wales": ("GB", "WLS"), "scotland": ("GB", "SCT"),
                        "northern ireland": ("GB", "NIR"), "none": None}


def parse_days(text: str) -> frozenset[int]:
    """'Mon-Fri', 'Mon,Wed,Fri' or 'Mon-Thu,Sat' -> weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        first, _, last = part.partition("-")
        try:
            start, end = _SHORT[first.strip()[:3]], _SHORT[(last or first).strip()[:3]]
        except KeyError:
            raise ValueError(f"not a day of the week in {text!r}") from None
        days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)])
    if not days:
        raise ValueError("at least one working day is needed")
    return frozenset(days)


def parse_span(text: str) -> tuple[time, time]:
    """'09:00-17:00' -> (09:00, 17:00); the end must be after the start."""
    try:
        start_text, end_text = text.split("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError:
        raise ValueError(f"working hours must look like 09:00-17:00, got {text!r}") from None
    if end <= start:
        raise ValueError(f"working hours must end after they start, got {text!r}")
    return start, end


@lru_cache(maxsize=8)
def _holidays_for(region: str) -> holidays.HolidayBase | None:
    where = BANK_HOLIDAY_REGIONS[region.lower()]
    return None if where is None else holidays.country_holidays(where[0], subdiv=where[1])


@dataclass(frozen=True)
class WorkingHours:
    days: frozenset[int] = frozenset(range(5))
    start: time = time(9, 0)
    end: time = time(17, 0)
    timezone: str = "Europe/London"
    bank_holidays: str = "england"  # a key of BANK_HOLIDAY_REGIONS

    @classmethod
    def parse(cls, days: str, span: str, timezone: str, bank_holidays: str) -> WorkingHours:
        """From the settings' words; raises ValueError naming what is wrong."""
        start, end = parse_span(span)
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r}") from None
        if bank_holidays.lower() not in BANK_HOLIDAY_REGIONS:
            raise ValueError(f"bank holidays must be one of {', '.join(BANK_HOLIDAY_REGIONS)}, got {bank_holidays!r}")
        return cls(parse_days(days), start, end, timezone, bank_holidays.lower())

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkingHours:
        """The configured hours (bot/config.py has checked them)."""
        s = settings
        return cls.parse(s.working_days, s.working_hours, s.working_timezone, s.bank_holidays)

    def _local(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.timezone))

    def is_working_day(self, day: date) -> bool:
        off = _holidays_for(self.bank_holidays)
        return day.weekday() in self.days and not (off is not None and day in off)

    def is_open(self, now: datetime) -> bool:
        local = self._local(now)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def next_opening(self, now: datetime) -> datetime:
        """The next time someone is there (now, if they are)."""
        local = self._local(now)
        if self.is_open(now):
            return local
        day = local.date()
        if self.is_working_day(day) and local.time() < self.start:
            return datetime.combine(day, self.start, local.tzinfo)
        for ahead in range(1, 30):  # a month covers any run of holidays
            later = day + timedelta(days=ahead)
            if self.is_working_day(later):
                return datetime.combine(later, self.start, local.tzinfo)
        raise ValueError("no working day in the next month")

    def when_seen(self, now: datetime) -> str:
        """Words for when a flag raised now will be seen: 'today', 'tomorrow morning', 'on Monday morning'."""
        if self.is_open(now):
            return "today"
        opening = self.next_opening(now)
        part = "morning" if opening.hour < 12 else "afternoon"
        days_ahead = (opening.date() - self._local(now).date()).days
        if days_ahead == 0:
            return f"this {part}"
        if days_ahead == 1:
            return f"tomorrow {part}"
        return f"on {DAY_NAMES[opening.weekday()]} {part}"

    def describe(self) -> str:
        """The hours in words, as the handoff text says them: 'weekdays, 9 to 5'."""
        if self.days == frozenset(range(5)):
            days = "weekdays"
        elif self.days == frozenset(range(7)):
            days = "every day"
        else:
            days = ", ".join(DAY_NAMES[d] + "s" for d in sorted(self.days))
        return f"{days}, {_clock(self.start)} to {_clock(self.end)}"


def handoff_requested(hours: WorkingHours) -> str:
    """The reply to "can I talk to a person": honest about when that will be."""
    return HANDOFF_REQUESTED.format(hours=hours.describe())


def _clock(moment: time) -> str:
    """09:00 -> '9', 17:30 -> '5.30': how people say times in a text."""
    hour = moment.hour % 12 or 12
    return f"{hour}" if moment.minute == 0 else f"{hour}.{moment.minute:02d}"
