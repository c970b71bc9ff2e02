"""HSDS schedules (iCal-style byday/freq/opens_at) read as sessions a resident can attend.

Used to say when something is on in plain words ("Tuesdays 10am-11:30am") and to check it
against what the person said they can do ("weekend", "morning").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from typing import Any, Protocol

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = {
    "MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
    "SA": "Saturday", "SU": "Sunday",
}
WEEKDAYS = frozenset(DAY_CODES[:5])
WEEKEND = frozenset(DAY_CODES[5:])
# What the NLU extracts (data/nlu: day, time_of_day) to weekday codes and hours.
DAY_WORDS: dict[str, frozenset[str]] = {
    **{name.lower(): frozenset({code}) for code, name in DAY_NAMES.items()},
    "weekend": WEEKEND,
    "weekends": WEEKEND,
    "weekdays": WEEKDAYS,
    "weekday": WEEKDAYS,
}
TIME_WINDOWS: dict[str, tuple[time, time]] = {
    "morning": (time(0, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), time(23, 59)),
    "not_morning": (time(12, 0), time(23, 59)),  # "not mornings": from midday on
    "daytime": (time(0, 0), time(17, 0)),  # "in the daytime", "not when its dark": anything before the evening
}
_ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", -1: "Last"}
_BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


class ScheduleLike(Protocol):
    freq: str | None
    interval: float | None
    byday: str | None
    opens_at: str | None
    closes_at: str | None
    valid_from: date | None
    valid_to: date | None
    description: str | None


@dataclass(frozen=True)
class Sessions:
    """One schedule row as sessions: on these weekdays, between these times."""

    days: frozenset[str]
    opens: time | None
    closes: time | None
    label: str  # "Tuesdays 10am-11:30am"
    short: str  # "Tuesdays 10am", for the reasons a match is given

    def on_days(self, wanted: frozenset[str]) -> bool:
        return not self.days or bool(self.days & wanted)

    def in_window(self, window: tuple[time, time]) -> bool:
        if self.opens is None:
            return True  # times not given: do not rule it out
        start, end = window
        if self.closes is None or self.closes <= self.opens:
            return start <= self.opens < end
        return self.opens < end and self.closes > start


def parse_time(text: str | None) -> time | None:
    if not text:
        return None
    match = re.match(r"^(\d{2}):(\d{2})", text.strip())
    if not match:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def format_time(value: time) -> str:
    """10:00 -> "10am", 13:30 -> "1:30pm", 12:00 -> "12pm"."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def _plural_days(codes: list[str]) -> str:
    if set(codes) == WEEKDAYS:
        return "Weekdays"
    if set(codes) == WEEKEND:
        return "Weekends"
    names = [DAY_NAMES[c] + "s" for c in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def read_schedule(row: ScheduleLike | Any, today: date | None = None) -> Sessions | None:
    """Sessions for one schedule row; None when it has expired or says nothing usable."""
    if today and row.valid_to and row.valid_to < today:
        return None
    opens, closes = parse_time(row.opens_at), parse_time(row.closes_at)
    parts = [p.strip().upper() for p in (row.byday or "").split(",") if p.strip()]
    codes: list[str] = []
    ordinals: list[tuple[int | None, str]] = []
    for part in parts:
        match = _BYDAY.match(part)
        if match:
            code = match.group(2)
            ordinals.append((int(match.group(1)) if match.group(1) else None, code))
            if code not in codes:
                codes.append(code)
    codes.sort(key=DAY_CODES.index)
    if not codes and opens is None:
        return None
    times = ""
    if opens and closes:
        times = f" {format_time(opens)}-{format_time(closes)}"
    elif opens:
        times = f" from {format_time(opens)}"
    interval = int(row.interval or 1)
    if (row.freq or "").upper() == "MONTHLY" and ordinals and all(o is not None for o, _ in ordinals):
        label = " and ".join(
            f"{_ORDINALS.get(o, f'{o}th')} {DAY_NAMES[c]}" for o, c in ordinals  # type: ignore[arg-type]
        ) + " of the month"
        label = label[0].upper() + label[1:]
    elif codes and interval == 2:
        label = "Every other " + " and ".join(DAY_NAMES[c] for c in codes)
    elif codes:
        label = _plural_days(codes)
    else:
        label = "Daily"
    short = label + (f" {format_time(opens)}" if opens else "")
    return Sessions(frozenset(codes), opens, closes, label + times, short)


def read_schedules(rows: Iterable[Any], today: date | None = None) -> list[Sessions]:
    sessions = [s for s in (read_schedule(r, today) for r in rows) if s is not None]
    return sorted(sessions, key=lambda s: (min((DAY_CODES.index(d) for d in s.days), default=7),
                                           s.opens or time(0)))


def describe(sessions: list[Sessions], fallback: str | None = None) -> str:
    if sessions:
        return "; ".join(s.label for s in sessions)
    if fallback:
        return fallback.strip()
    return "Ask them for times"


def wanted_days(words: Iterable[str]) -> frozenset[str]:
    """Weekday codes for what the person said ("tuesday", "weekend"); unknown words ignored."""
    codes: set[str] = set()
    for word in words:
        codes |= DAY_WORDS.get(word.strip().lower(), frozenset())
    return frozenset(codes)


def matching_sessions(sessions: list[Sessions], days: frozenset[str], time_of_day: str | None) -> list[Sessions]:
    """The sessions that fit the person's days and time of day (all, when they gave neither)."""
    window = TIME_WINDOWS.get((time_of_day or "").lower())
    return [s for s in sessions if (not days or s.on_days(days)) and (window is None or s.in_window(window))]
