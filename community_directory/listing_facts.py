"""Plain facts about a listing read from HSDS fields: cost, access, languages, age, how to join.

HSDS carries most of these as free text (accessibility descriptions, fees, eligibility),
so each reader is conservative: it answers "don't know" (None) rather than guess, and the
matcher decides what an unknown means for each preference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

# -- cost ---------------------------------------------------------------------------------

_FREE_WORDS = re.compile(r"\b(free|no charge|no cost|free of charge)\b", re.I)
_PAY_AS_YOU_FEEL = re.compile(r"pay[- ]as[- ]you[- ](feel|can)|donations? (welcome|only)", re.I)
_POUNDS = re.compile(r"£\s?(\d+(?:\.\d{1,2})?)")


@dataclass(frozen=True)
class Cost:
    text: str  # "Free", "£2", "£2 to £5", "Pay as you feel", "Ask about cost"
    free: bool | None  # None: not known


def _pounds(amount: float) -> str:
    return f"£{amount:.0f}" if float(amount).is_integer() else f"£{amount:.2f}"


def read_cost(cost_options: Iterable[Any], fees_description: str | None = None, fees: str | None = None,
              today: date | None = None) -> Cost:
    current = [c for c in cost_options if not (today and c.valid_to and c.valid_to < today)]
    amounts = sorted({float(c.amount) for c in current if c.amount is not None})
    words = " ".join(filter(None, [*(c.amount_description or "" for c in current),
                                   *(c.option or "" for c in current), fees_description, fees]))
    paid = [a for a in amounts if a > 0]
    if paid:
        low, high = paid[0], paid[-1]
        text = _pounds(low) if low == high else f"{_pounds(low)} to {_pounds(high)}"
        if 0.0 in amounts:
            text = f"Free or {text}"
        return Cost(text, False)
    if amounts == [0.0]:
        return Cost("Free", True)
    if _PAY_AS_YOU_FEEL.search(words):
        return Cost("Pay as you feel", True)  # nobody is turned away for not paying
    found = [float(x) for x in _POUNDS.findall(words)]
    if found and any(x > 0 for x in found):
        return Cost(_pounds(min(x for x in found if x > 0)), False)
    if _FREE_WORDS.search(words):
        return Cost("Free", True)
    return Cost("Ask about cost", None)


# -- access -------------------------------------------------------------------------------

_NOT_WHEELCHAIR = re.compile(
    r"(not|isn't|is not|no)\b[^.]{0,40}\b(wheelchair|step[- ]free|level access|accessible)"
    r"|(wheelchair|step[- ]free)[^.]{0,30}\b(not|isn't)\b(?! a problem)"
    r"|unsuitable for wheelchair|no (lift|ramp)|steps only|stairs only|upstairs (room )?only",
    re.I,
)
_WHEELCHAIR = re.compile(r"wheelchair|step[- ]free|level access|ramp(ed)? (access|entrance)|accessible toilet", re.I)
_HEARING_LOOP = re.compile(r"(hearing|induction) loop", re.I)


def wheelchair_access(texts: Iterable[str | None]) -> bool | None:
    """True/False when the accessibility text says so either way; None when it says nothing."""
    joined = " ".join(t for t in texts if t)
    if not joined:
        return None
    if _NOT_WHEELCHAIR.search(joined):
        return False
    if _WHEELCHAIR.search(joined):
        return True
    return None


def hearing_loop(texts: Iterable[str | None]) -> bool:
    return any(t and _HEARING_LOOP.search(t) for t in texts)


# -- languages ----------------------------------------------------------------------------

# ISO 639-1 codes to the lower-case names the NLU extracts (data/nlu: language).
LANGUAGE_NAMES = {
    "ar": "arabic", "bn": "bengali", "zh": "chinese", "fa": "farsi", "ku": "kurdish", "pl": "polish",
    "pt": "portuguese", "pa": "punjabi", "ro": "romanian", "ti": "tigrinya", "tr": "turkish", "ur": "urdu",
    "en": "english", "cy": "welsh", "es": "spanish", "fr": "french", "de": "german", "it": "italian",
    "lt": "lithuanian", "lv": "latvian", "sk": "slovak", "cs": "czech", "so": "somali", "uk": "ukrainian",
    "ru": "russian", "hi": "hindi", "gu": "gujarati", "ps": "pashto", "am": "amharic", "sq": "albanian",
    "bg": "bulgarian", "hu": "hungarian", "ml": "malayalam", "ta": "tamil", "sw": "swahili", "yue": "chinese",
    "cmn": "chinese", "ckb": "kurdish", "kmr": "kurdish", "bsl": "british sign language",
}
_ALIASES = {"mandarin": "chinese", "cantonese": "chinese", "persian": "farsi", "sorani": "kurdish",
            "kurmanji": "kurdish", "bangla": "bengali", "sylheti": "bengali", "bsl": "british sign language",
            "sign language": "british sign language"}


def normalise_language(text: str | None) -> str | None:
    """"ar", "Arabic", "arabic " -> "arabic"; None for blank."""
    if not text or not text.strip():
        return None
    key = text.strip().lower()
    key = LANGUAGE_NAMES.get(key.split("-")[0], key)  # "ar", "ar-SY" -> "arabic"
    return _ALIASES.get(key, key)


def languages_offered(languages: Iterable[Any], interpretation_services: str | None = None) -> set[str]:
    """Languages a listing says it supports, as normalised names."""
    found: set[str] = set()
    for language in languages:
        for value in (language.code, language.name):
            name = normalise_language(value)
            if name:
                found.add(name)
    if interpretation_services:
        lowered = interpretation_services.lower()
        names = set(LANGUAGE_NAMES.values()) | set(_ALIASES)
        found.update(name for name in names if re.search(rf"\b{name}\b", lowered))
        found = {_ALIASES.get(n, n) for n in found}
    return found


# -- age ----------------------------------------------------------------------------------

AGE_GROUPS: dict[str, tuple[int, int]] = {
    "young_people": (11, 25),
    "adults": (18, 64),
    "older_people": (60, 120),
}


@dataclass(frozen=True)
class AgeFit:
    fits: bool
    targeted: bool  # the listing is meant for this age group, not merely open to it
    label: str | None = None  # "for over-60s", "for young people"


def _group_for(age: int) -> str:
    return "young_people" if age < 18 else "older_people" if age >= 60 else "adults"


def age_fit(minimum: float | None, maximum: float | None, age: int | None, group: str | None) -> AgeFit:
    """Whether a listing's age limits let this person in, and whether it is aimed at them."""
    low = minimum if minimum is not None else 0
    high = maximum if maximum is not None else 200
    if age is not None:
        if not low <= age <= high:
            return AgeFit(False, False)
        group = group or _group_for(age)
    elif group in AGE_GROUPS:
        g_low, g_high = AGE_GROUPS[group]
        if not (low <= g_high and high >= g_low):
            return AgeFit(False, False)
    if group not in AGE_GROUPS or (minimum is None and maximum is None):
        return AgeFit(True, False)
    if group == "older_people" and low >= 50:
        return AgeFit(True, True, f"for over-{int(low)}s")
    if group == "young_people" and high <= 25:
        return AgeFit(True, True, "for young people")
    return AgeFit(True, False)


# -- how to join --------------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def first_sentence(text: str | None, limit: int = 140) -> str:
    if not text:
        return ""
    sentence = _SENTENCE.split(text.strip(), maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


JOIN_LIMIT = 160  # one SMS segment: the joining note must survive whole inside a two-segment match text


def joining_note(text: str, limit: int = JOIN_LIMIT) -> str:
    """The curator's joining note as they wrote it, all of it when it fits in `limit`.

    Only the spacing is tidied. A longer note keeps as many whole sentences as fit (a curator
    puts the main instruction first), else is cut at a word with "..." (plain dots, so the
    text stays GSM-7).
    """
    note = " ".join(text.split())
    if len(note) <= limit:
        return note
    kept = ""
    for sentence in _SENTENCE.split(note):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if kept:
        return kept
    return note[: limit - 3].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def how_to_join(application_process: str | None, phone: str | None, email: str | None, url: str | None) -> str:
    """What a resident is told about joining: the listing's own words win over anything derived."""
    if application_process and application_process.strip():
        return joining_note(application_process)
    if phone:
        return f"Call {phone}"
    if email:
        return f"Email {email}"
    if url:
        return f"See {url}"
    return "Ask a link worker how to join"


# -- who a listing is for ------------------------------------------------------------------

# Tags, stored on the matching index (directory_service_point.audience) and read by matching:
#   carers, women, men, parents: the group is for them (not merely open to them)
#   culture:<language>: a community group for speakers of that language
#   english_learners: for people learning English
#   active: needs walking, running or standing for a long time
_AUDIENCE_NAME: dict[str, re.Pattern[str]] = {
    "carers": re.compile(r"\bcarers?\b"),
    "women": re.compile(r"\b(women|womens|woman|ladies|lasses|girls|mums|mams|mothers)\b"),
    "men": re.compile(r"\b(men|mens|gents|blokes|dads|fathers|grandads|lads)\b"),
    "parents": re.compile(r"\b(baby|babies|toddlers?|stay and play|parents?|mums|mams|dads|bumps?|under 5s"
                          r"|family learning)\b"),
    "english_learners": re.compile(r"\b(english conversation|esol|learn english)\b"),
    "active": re.compile(r"\b(football|running|run club|5k|walk|walks|walking|dance|dancing|zumba|aerobics|"
                         r"keep fit|conservation|beach clean|litter pick|rambl\w*|hike|hiking)\b"),
}
_AUDIENCE_ELIGIBILITY: dict[str, re.Pattern[str]] = {
    "carers": re.compile(r"\b(for|only) (unpaid |family )?carers\b"),
    "women": re.compile(r"\b(for|only) (women|ladies|girls|mums|mothers)\b|\bwomen only\b"),
    "men": re.compile(r"\b(for|only) (men|dads|fathers)\b|\bmen only\b"),
    "parents": re.compile(r"\bfor (parents|mums|dads|families)\b"),
}
_SEATED = re.compile(r"\b(seated|chair based|chairs? available|no running|gentle)\b")


def audience_tags(name: str | None, description: str | None, eligibility: str | None) -> set[str]:
    """Who a listing is for, read conservatively from its name and eligibility (not from
    passing mentions in a description: "dads, grandads and male carers" is not a carers' group)."""
    from community_directory.kinds import normalise  # kinds reads the needs vocabulary; keep imports light

    name_n, description_n = normalise(name or ""), normalise(description or "")
    eligibility_n = normalise(eligibility or "")
    tags = {tag for tag, pattern in _AUDIENCE_NAME.items() if tag != "active" and pattern.search(name_n)}
    tags |= {tag for tag, pattern in _AUDIENCE_ELIGIBILITY.items() if pattern.search(eligibility_n)}
    if "parents and carers" in eligibility_n or "parents and carers" in name_n:
        tags.discard("carers")  # "for parents and carers of under-5s" is a parents' group
    active = _AUDIENCE_NAME["active"]
    if (active.search(name_n) and not _SEATED.search(name_n)) or (
            active.search(description_n) and not _SEATED.search(f"{name_n} {description_n}")):
        tags.add("active")
    for language in set(LANGUAGE_NAMES.values()) - {"english"}:
        if re.search(rf"\b{language}\b", name_n):
            tags.add(f"culture:{language}")
    return tags
