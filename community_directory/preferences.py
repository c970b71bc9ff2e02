"""What a resident's answer says about when, cost and getting there, read without the NLU model.

The model's entities come first; this is the second net for short SMS answers such as
"tues or weds", "mornings", "free pls" or "I use a wheelchair", so an answer to
"anything I should know?" is never silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DAY_PATTERNS: dict[str, str] = {
    "monday": r"mon(day)?s?",
    "tuesday": r"tue?s?(day)?s?",
    "wednesday": r"wed(nesday|s)?s?|weds",
    "thursday": r"thu(r|rs)?(sday)?s?",
    "friday": r"fri(day)?s?",
    "saturday": r"sat(urday)?s?",
    "sunday": r"sun(day)?s?",
    "weekend": r"week ?ends?",
    "weekdays": r"week ?days?|during the week|mon(day)? to fri(day)?",
}
_TIMES: dict[str, str] = {
    "morning": r"mornings?|am\b|before (lunch|dinner)",
    "afternoon": r"afternoons?|after (lunch|dinner)|pm\b",
    # "after 5", "from 6pm", "i work till 5 so after that": when the working day is over
    "evening": r"evenings?|nights?|after work|after tea"
               r"|(?:after|from|not before)\s+(?:[4-8]|half [4-7]|four|five|six|seven|eight)(?!\d)(?:\s*(?:pm|o ?clock|oclock))?"
               r"(?!\s*(?:min|hour|day|week|month|year|mile|kid|bairn|child|of\b))"
               r"|(?:work|working|works|finish|finishes|finishing)\s+(?:\w+\s+)?(?:till|until|til|to|at)\s+"
               r"(?:[4-7]|half [4-6]|four|five|six)(?!\d)(?:\s*(?:pm|o ?clock|oclock))?",
    # not the evening: "in the daytime", "i dont go out when its dark"
    "daytime": r"day ?times?|during the day|in the day|while its light|before (?:it gets )?dark"
               r"|(?:dont|don'?t|do not|never|wont|won'?t|cant|can'?t) go out (?:when|after|once|in the) (?:its |it is |it gets )?dark",
}
# Activity names with a time word in them say what, not when: "any coffee mornings?" is no limit.
_NAMED_TIMES = re.compile(r"\bcoffee mornings?\b|\bnight ?out\b|\bgames nights?\b|\bquiz nights?\b")
_FREE = r"\bfree\b|no cost|skint|can'?t (afford|pay)|no money|not pay|nothing that costs"
_ACCESS: dict[str, str] = {
    "wheelchair": r"wheel ?chair|step[- ]?free|no steps|ramp",
    "mobility": r"walking (stick|frame)|zimmer|mobility|can'?t walk (far|much)|bad (legs?|knees?|hips?)",
    "no_transport": r"no (car|transport|bus)|don'?t drive|can'?t drive|walking distance|on foot",
    # hard of hearing or deaf: a venue with a hearing loop suits better
    "hearing": r"hard of hearin|\bdeaf|hearing aids?\b|\bbsl\b|sign language|hearing loop|cant hear|can'?t hear",
}
_ANY = re.compile(r"\b(any ?(day|time|when)|anytime|whenever|don'?t mind|not fussed|no preference)\b"
                  r"(?!\s+(?:but|except|apart from|other than|bar|besides)\b)", re.I)
WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAYS_OF = {"weekend": ("saturday", "sunday"), "weekdays": WEEK[:5]}
# A day turned down, not wanted: "not wednesdays", "any day but monday", "cant do fridays",
# "except weekends", "i work weekdays", "busy on tuesdays". The cue comes just before the day.
_NOT_DAY = re.compile(r"\b(?:not|no|never|except|excepting|but|bar|besides|apart from|other than|anything but"
                      r"|(?:cant|can'?t|cannot|can not|dont|don'?t|do not|wont|won'?t)(?:\s+(?:do|manage|make|go|get))?"
                      r"|busy|(?:i|im|i am|he|she|hes|shes)\s+(?:at\s+)?work(?:s|ing)?|at work)"
                      r"(?:\s+(?:on|at|a|the|any|during|all|every))*\s+$")
# "not mondays or fridays": a day joined to a turned-down one is turned down too.
_JOINED = re.compile(r"^\s*(?:,|or|and|n|nor|&|/)\s*(?:on\s+)?$")


# "i cant do mornings", "not evenings": a time turned down is not the time wanted.
_NOT_TIME = re.compile(r"\b(?:cant|can'?t|cannot|can not|dont|don'?t|do not|not|no|never|nothing|wont|won'?t|hate|busy)"
                       r"(?:\s+(?:do|manage|make|go|get|out|at|in|on|the|any|really|like|want|during|a))*\s+$")
# What is left of the day when times are turned down and none is asked for: "not mornings" is the
# afternoon or evening, "cant do mornings or nights" the afternoon.
_TIME_LEFT: dict[frozenset[str], str] = {
    frozenset({"evening"}): "daytime",
    frozenset({"morning"}): "not_morning",
    frozenset({"morning", "evening"}): "afternoon",
    frozenset({"morning", "afternoon"}): "evening",
    frozenset({"afternoon", "evening"}): "morning",
    frozenset({"daytime"}): "evening",
    frozenset({"daytime", "morning"}): "evening",
    frozenset({"daytime", "afternoon"}): "evening",
}


def _said(lowered: str) -> list[tuple[int, int, str, str]]:
    """Every day and time word in the text, in order: (start, end, "day" or "time", name)."""
    times_text = _NAMED_TIMES.sub(lambda m: " " * len(m.group()), lowered)
    found = [(m.start(), m.end(), "day", day) for day, pattern in _DAY_PATTERNS.items()
             for m in re.finditer(rf"\b({pattern})\b", lowered)]
    # each time word whole ("nightmare" is no night), but "mornin" and "eves" are read as written
    found += [(m.start(), m.end(), "time", name) for name, pattern in _TIMES.items()
              for m in re.finditer(rf"\b({pattern})(?![a-z])", times_text)]
    return sorted(found)


# "tuesdays, no wait i mean thursdays", "mornings, sorry, afternoons": the word before is taken back.
_CORRECTED = re.compile(r"^[\s,.;:!-]*(?:no\s*,?\s*)?(?:wait|sorry|actually|hang on|oops|i mean|i meant|make that|scratch that"
                        r"|or rather|rather)\b(?:[\s,.;:!-]*(?:no|wait|sorry|actually|i mean|i meant|its|it is|on|a|the)\b)*[\s,.;:!-]*$")


def _turned_down(lowered: str) -> list[tuple[str, str, bool]]:
    """Each day and time word with whether it is turned down. A refusal covers the words joined to
    it: "cant do nights or mondays" turns both down, "not mornings or fridays" too. A word taken
    back at once ("tuesdays, no wait i mean thursdays") is left out, as if never said."""
    out: list[tuple[str, str, bool]] = []
    taken_back: set[int] = set()
    last_refused_end: int | None = None
    last_end: dict[str, tuple[int, int]] = {}  # "day"/"time": (end of the last such word, its index in out)
    for start, end, what, name in _said(lowered):
        before = lowered[max(0, start - 30):start]
        gap = lowered[last_refused_end:start] if last_refused_end is not None else None
        # "i dont go out at night, mornings pls": after a comma a time word is a new wish
        joined = gap is not None and _JOINED.match(gap) and not (what == "time" and "," in gap)
        refused = bool(joined or (_NOT_DAY if what == "day" else _NOT_TIME).search(before))
        if what in last_end and _CORRECTED.match(lowered[last_end[what][0]:start]):
            taken_back.add(last_end[what][1])
        last_end[what] = (end, len(out))
        out.append((what, name, refused))
        last_refused_end = end if refused else None
    return [word for n, word in enumerate(out) if n not in taken_back]


def _time_wanted(read: list[tuple[str, str, bool]]) -> str | None:
    """The time of day asked for: the first one named that is not turned down ("an afternoon one
    instead? i cant do mornings" is the afternoon); with only refusals, what is left of the day.
    `read` is `_turned_down` of the text."""
    said = [(name, refused) for what, name, refused in read if what == "time"]
    wanted = [name for name, refused in said if not refused]
    if wanted:
        return wanted[0]
    return _TIME_LEFT.get(frozenset(name for name, _ in said))


def _days_wanted(read: list[tuple[str, str, bool]]) -> list[str]:
    """The days asked for. Days turned down ("any day but monday", "not thursdays") leave the
    others: the days wanted less the ones turned down, or the whole week less them.
    `read` is `_turned_down` of the text."""
    said = [(name, refused) for what, name, refused in read if what == "day"]
    wanted = list(dict.fromkeys(name for name, refused in said if not refused))
    refused = [name for name, no in said if no]
    if "weekdays" in wanted and "monday" in wanted and "friday" in wanted:
        wanted = ["weekdays"]  # "monday to friday"
    if not refused:
        return wanted
    turned_down = {d for day in refused for d in _DAYS_OF.get(day, (day,))}
    left = [d for day in (wanted or WEEK) for d in _DAYS_OF.get(day, (day,)) if d not in turned_down]
    return list(dict.fromkeys(left))


def days_turned_down(text: str) -> bool:
    """Whether the text turns a day down ("not wednesdays", "any day but monday", "cant do nights or mondays")."""
    return any(refused for what, _, refused in _turned_down((text or "").lower()) if what == "day")


@dataclass
class Preferences:
    days: list[str] = field(default_factory=list)
    time_of_day: str | None = None
    free_only: bool = False
    access: list[str] = field(default_factory=list)
    any_time: bool = False  # "any day is fine": an answer, but no limit

    @property
    def narrows(self) -> bool:
        return bool(self.days or self.time_of_day or self.free_only or self.access)


def preferences_in_text(text: str) -> Preferences:
    """Days, time of day, free only and access needs named in free text."""
    lowered = (text or "").lower()
    found = Preferences(any_time=bool(_ANY.search(lowered)))
    read = _turned_down(lowered)  # read once: days and times share the refusals joined to them
    found.days = _days_wanted(read)
    found.time_of_day = _time_wanted(read)
    found.free_only = bool(re.search(_FREE, lowered))
    found.access = [name for name, pattern in _ACCESS.items() if re.search(pattern, lowered)]
    return found


# Stricter than _FREE, for words said in passing in any turn: "im free on tuesdays" is a day.
_MUST_BE_FREE = re.compile(
    r"\b((has|have|got|needs?) to be free|free only|only free(?! (day|days|time|on|at|in|after|mornings?|afternoons?|evenings?))"
    r"|free ones?|free stuff|free things?|for free"
    r"|skint|cant afford|can'?t afford|no money|brassic|nothing that costs|cant pay|can'?t pay)\b"
)


def must_be_free(text: str) -> bool:
    """The person said it must cost nothing ("has to be free, im skint"), not just "I'm free"."""
    return bool(_MUST_BE_FREE.search((text or "").lower()))
