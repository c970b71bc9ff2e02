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
    # "a week on wednesday", "week today", "wednesday week": a week or so
    ("1_week", r"\b(1|one|a) ?week\b|next week|a week|\bweek (on|today|tomorrow|from)\b|\b(mon|tues|wednes|thurs|fri|satur|sun)day week\b"),
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



_ATTENDED = {"yes": "yes", "no": "no", "done": "yes", "partly": "yes", "not_yet": "no"}


def parse_attended(text: str) -> str | None:
    """"yes" / "no" to "did you go?", from a button, an intent, a progress entity or words."""
    raw = (text or "").strip().lower()
    if raw in _ATTENDED:
        return _ATTENDED[raw]
    progress = parse_progress(raw)
    return _ATTENDED[progress] if progress else None


# Goal Attainment Scaling in plain words (bot/records/measures.py), most specific first.
_GOAL_PROGRESS = (
    ("worse", r"\bnot (that |so |very )?(great|good|well)\b"),
    ("much_better", r"\b(much|way|loads|lots|far|so much) better\b"
                    r"|\b(brilliant|amazing|fantastic|really well|great)\b"),
    ("much_worse", r"\bmuch (less|worse)\b|\b(terrible|awful|badly|not at all|didn'?t work|did not work)\b"),
    ("better", r"\b(a bit|bit|little|slightly|bit) better\b|\bbetter than\b|\b(good|well)\b"),
    ("worse", r"\b(a bit|bit|little|slightly) (less|worse)\b|\bless than\b|\b(not great|not so good|worse)\b"),
    ("as_hoped", r"\babout (what|right)\b|\bas (i )?(hoped|expected|planned)\b"
                 r"|\b(ok|okay|fine|alright|not bad|so so)\b"),
    ("better", r"\bbetter\b"),
)
GOAL_PROGRESS_KEYS = ("much_better", "better", "as_hoped", "worse", "much_worse")


def parse_goal_progress(text: str) -> str | None:
    """"a bit better than I hoped" -> better; "not great" -> worse; a button's key as it is."""
    raw = (text or "").strip().lower()
    if raw in GOAL_PROGRESS_KEYS:
        return raw
    return _first_match(_GOAL_PROGRESS, raw)


_BARRIERS = (
    ("not_for_me", r"(not|n'?t) (really )?(for me|my thing|me)\b|\bboring\b|didn'?t (like|enjoy)|did not (like|enjoy)"),
    ("welcome", r"welcom|unfriendly|ignored|cliqu|judged|left out|awkward|nobody (spoke|talked)|no one (spoke|talked)"),
    ("cost", r"\b(cost|costs|money|price|expensive|afford|pay|paying|skint|fees?|dear)\b"),
    ("distance", r"\b(far|distance|bus|buses|travel|miles|transport|lift|walk there|get there)\b"),
    ("time", r"\b(time|times|busy|work|shifts?|clash|late|early|day|days|evening|morning)\b"),
)
BARRIER_KEYS = ("cost", "time", "distance", "welcome", "not_for_me")


def parse_barrier(text: str) -> str | None:
    """Why it did not work, in one of five words; None when the words say none of them."""
    raw = (text or "").strip().lower()
    if raw in BARRIER_KEYS:
        return raw
    return _first_match(_BARRIERS, raw)
