"""Reading a 0-10 wellbeing score from what people actually type ("7", "about a 6", "ten", "8/10")."""

from __future__ import annotations

import re
from typing import Any

_WORDS = {"zero": 0, "nought": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_NUMBER = re.compile(r"\b(10|[0-9])\b")


def parse_score(value: Any, text: str = "") -> int | str | None:
    """0-10, 'skip', or None when there is no usable answer."""
    for candidate in (value, text):
        if candidate is None:
            continue
        raw = str(candidate).strip().lower()
        if raw in ("skip", "no", "no thanks", "pass") or re.search(r"\bskip\b|rather not|don'?t want to say|not say", raw):
            return "skip"
        match = _NUMBER.search(raw)
        if match:
            return int(match.group(1))
        for word, number in _WORDS.items():
            if re.search(rf"\b{word}\b", raw):
                return number
    return None


_PERIODS = (
    ("2_weeks", r"\b(2|two) ?weeks?\b|fortnight"),
    ("1_month", r"\bmonth\b|\b(4|four) ?weeks\b"),
    ("1_week", r"\b(1|one|a) ?week\b|next week|a week"),
    ("none", r"^\s*(no|nope|no thanks?|don'?t|do not|never|not)\b"),
)


def _first_match(table: tuple[tuple[str, str], ...], text: str) -> str | None:
    """The value of the first pattern in `table` that the text matches (order is precedence)."""
    raw = (text or "").strip().lower()
    return next((value for value, pattern in table if re.search(pattern, raw)), None)


def parse_period(text: str) -> str | None:
    """"in a fortnight" -> 2_weeks; "no thanks" -> none; None when it says neither."""
    return _first_match(_PERIODS, text)


_PROGRESS = (
    ("partly", r"\b(a bit|bit|partly|sort of|kind of|once|some of|half)\b"),
    ("not_yet", r"\b(not yet|no|didn'?t|did not|haven'?t|have not|couldn'?t|not been)\b"),
    ("done", r"\b(yes|yeah|yep|went|been|did|loved|great|good)\b"),
)


def parse_progress(text: str) -> str | None:
    """"went once" -> partly; "not been yet" -> not_yet; "yes loved it" -> done."""
    return _first_match(_PROGRESS, text)

