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
        if raw == "skip" or re.search(r"\bskip\b|rather not|don'?t want to say", raw):
            return "skip"
        match = _NUMBER.search(raw)
        if match:
            return int(match.group(1))
        for word, number in _WORDS.items():
            if re.search(rf"\b{word}\b", raw):
                return number
    return None
