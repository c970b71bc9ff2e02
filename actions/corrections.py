"""Corrections and refinements: the person changes the search rather than starting it again.

"is there not owt closer to hendon?" moves the search and keeps the need; "i meant the debt
one, not energy" changes the need or the option chosen; neither wipes what was already said.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.slot_validation import previous_value
from actions.understanding import read_needs, without_refusals

_CORRECTION = re.compile(
    r"^\s*(actually|no\b|nah\b|sorry|wait|oops|hang on)|\bi meant\b|\bwrong one\b|\bnot that one\b|\bthe other one\b|"
    r"\bchanged my mind\b",
    re.IGNORECASE,
)
_FILLER = frozenset(
    """a an the one ones i i'm im me my no not nah actually meant mean sorry wait oops that this
other wrong instead please pls thanks ta it its is was want wanted like group groups club thing and or of for to
hang on changed mind about""".split()
)


def is_correction(text: str) -> bool:
    return bool(_CORRECTION.search(text or ""))


def changed_this_turn(tracker: Tracker, slot: str) -> bool:
    """Whether the latest message set this slot to something new (place, distance)."""
    value = tracker.get_slot(slot)
    return value is not None and value != previous_value(tracker, slot)


def refine_instead_of_restart(tracker: Tracker) -> list[dict[str, Any]] | None:
    """The slot events for "something different" that is really a refinement, or None.

    A message naming needs ("i meant the debt one") searches for those; one that names a place
    or asks for closer keeps the needs and searches again from there.
    """
    text = tracker.latest_message.get("text") or ""
    if not text or text.startswith("/"):
        return None
    entities = [e for e in tracker.latest_message.get("entities", []) if e.get("entity") == "need"]
    heard = read_needs(text, entities)
    fresh = [SlotSet("shown_ids", []), SlotSet("offered", []), SlotSet("has_matches", None)]
    refused = options_turned_down(tracker, text)
    if refused and tracker.get_slot("needs"):
        # "not the hendon one": the same search without it (and with a new need, if one was named)
        ids = list(dict.fromkeys([*(tracker.get_slot("refused_ids") or []), *(o["id"] for o in refused)]))
        needs = [SlotSet("needs", heard.needs)] if heard.needs else []
        return needs + [SlotSet("refused_ids", ids)] + fresh
    if heard.needs:
        return [SlotSet("needs", heard.needs)] + fresh
    if tracker.get_slot("needs") and (
        changed_this_turn(tracker, "location") or changed_this_turn(tracker, "max_miles")
    ):
        return fresh
    return None


# Turning down one of the options shown: "not the hendon one", "not that one", "not number 2",
# "ive been to that one", "been to that castletown one already". The words between "the" (or
# "that") and "one" say which.
_NOT_OPTION = re.compile(
    r"\bnot\s+(?:(?:the|that|this)\s+(?P<which>(?:[a-z']+\s+){0,3}?)(?:one|ones|place|group|club)\b|(?:number\s+)?(?P<n>[1-9])\b)"
    r"|\b(?:been to|went to|gone to|tried|done)\s+(?:that|the|this)\s+(?P<which2>(?:[a-z']+\s+){0,3}?)(?:one|place|group|club)\b",
    re.IGNORECASE,
)


_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1}


def options_turned_down(tracker: Tracker, text: str) -> list[dict[str, Any]]:
    """The offered options this message turns down: by number, by a word of their name, else the
    one chosen, else (for a plain "not that one") the first shown."""
    offered = list(tracker.get_slot("offered") or [])
    found = _NOT_OPTION.search(text or "")
    if not offered or found is None:
        return []
    if found.group("n"):
        n = int(found.group("n"))
        return [offered[n - 1]] if n <= len(offered) else []
    words = [w for w in ((found.group("which") or found.group("which2") or "").lower().split())
             if w not in _FILLER and len(w) > 2]
    places = [_ORDINALS[w] for w in words if w in _ORDINALS]  # "not the second one"
    if places:
        n = places[0]
        return [offered[n]] if -len(offered) <= n < len(offered) else []
    if words:
        named = [o for o in offered if all(re.search(rf"\b{re.escape(w)}", o.get("name", "").lower()) for w in words)]
        if named:
            return named
    chosen = tracker.get_slot("chosen_service_id")
    picked = [o for o in offered if o.get("id") == chosen]
    return picked or offered[:1]


def option_meant(tracker: Tracker, text: str) -> dict[str, Any] | None:
    """The offered option a correction points at ("the debt one"), other than the one chosen."""
    current = tracker.get_slot("chosen_service_id")
    offered = [o for o in (tracker.get_slot("offered") or []) if o.get("id") != current]
    if not offered:
        return None
    number = re.search(r"\b([1-9])\b", text)
    if number:
        n = int(number.group(1))
        everything = list(tracker.get_slot("offered") or [])
        if 1 <= n <= len(everything) and everything[n - 1].get("id") != current:
            return everything[n - 1]
    words = [w for w in re.findall(r"[a-z']+", without_refusals(text).lower()) if w not in _FILLER and len(w) > 2]
    for option in offered:
        about = f"{option.get('name', '')} {option.get('description', '')}".lower()
        if words and any(re.search(rf"\b{re.escape(w)}", about) for w in words):
            return option
    return None
