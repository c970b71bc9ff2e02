"""The deterministic crisis check that runs before the dialogue engine (the detector only).

What happens on risk, and the texts, are in `bot/policy/crisis.py`, which reaches this check
through its `assess_risk` adapter until `bot.risk` replaces it.

It is deliberately simple and deterministic: it must work when Rasa is down, and its
behaviour must be reviewable line by line. The NLU `crisis` intent is a second net behind it.
Everyday idioms ("dying for a cuppa", "this traffic is killing me") and talk of a past death
("my husband died last year") are removed before matching, so they do not raise alarms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Idioms and harmless phrases that share words with real risk. Removed before matching.
_HARMLESS = [
    r"dying (?:for|to) (?:a |an |some |the )?\w+",
    r"(?:to|i'?d) die for",
    r"killing me(?: softly)?\b(?! (?:myself|me self))",  # "this traffic is killing me"
    r"could (?:murder|kill) (?:a|an|for) \w+",
    r"kill (?:for|time)",
    r"(?:laughed|laughing|bored|embarrassed) (?:to death|myself silly)",
    r"(?:died|passed away|passed on|death|funeral)\b[^.?!]*\b(?:ago|last|year|years|month|months|week|weeks)\b",
    r"(?:since|after) (?:\w+ )?(?:died|passed away|death)",
    r"(?:bored|scared|worried|frozen|starving) to death",
    r"dead (?:good|canny|nice|funny|easy|tired|bored|busy)",
    r"my phone(?:'s| is) dying",
]

# Signs of risk to life or immediate danger. Word-bounded; text-speak and common typos included.
_RISK = {
    "suicide": [
        r"suicid\w*", r"kill(?:ing)? (?:my ?self|me ?self)", r"\bkms\b", r"end(?:ing)? (?:my|me) (?:life|lfe)",
        r"end it all", r"take (?:my|me) own life", r"(?:want|wanna|going|gonna) (?:to )?die\b",
        r"(?:don'?t|dont|do not) want to (?:be here|live|be alive|wake up)", r"better off dead",
        r"no (?:point|reason) (?:in )?(?:living|going on|being alive)", r"not (?:want|wanting) to live",
        r"jump (?:off|in front)", r"hang(?:ing)? my ?self", r"never wake up", r"disappear (?:forever|for good)",
    ],
    "self_harm": [
        r"self[- ]?harm\w*", r"(?:cut|cutting|hurt|hurting|harm|harming|burn|burning) (?:my ?self|me ?self)",
        r"overdos\w*", r"\bod'?d\b", r"took (?:too many|all (?:my|me|the)) (?:pills|tablets)",
    ],
    "abuse": [
        r"(?:he|she|they|partner|husband|wife|boyfriend|girlfriend|dad|mum|mam) (?:hits|hit|beats|beat|hurts|chokes|strangled?) me",
        r"(?:threaten\w*|going) to kill me", r"scared (?:for|of) my (?:life|safety)", r"not safe at home",
        r"(?:being|been|getting) (?:abused|beaten|attacked)", r"domestic (?:abuse|violence)",
        r"afraid (?:to go|of going) home",
    ],
    "medical_emergency": [
        r"chest pains?", r"can'?t breathe", r"cannot breathe", r"(?:having|had) a (?:stroke|heart attack|seizure)",
        r"unconscious", r"won'?t wake up", r"bleeding (?:a lot|badly|heavily)", r"collapsed",
    ],
}

_HARMLESS_RE = re.compile("|".join(f"(?:{p})" for p in _HARMLESS))
_RISK_RE = {kind: re.compile(r"\b(?:" + "|".join(pats) + r")") for kind, pats in _RISK.items()}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class CrisisCheck:
    is_crisis: bool
    kind: str | None = None  # suicide | self_harm | abuse | medical_emergency


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\bu\b", "you", text)
    text = re.sub(r"\bwanna\b", "want to", text)
    text = re.sub(r"\bgonna\b", "going to", text)
    text = re.sub(r"\bim\b", "i'm", text)
    return _SPACES.sub(" ", text).strip()


def check_message(text: str) -> CrisisCheck:
    """Does this message suggest risk to life or immediate danger?"""
    cleaned = _HARMLESS_RE.sub(" ", normalise(text))
    for kind, pattern in _RISK_RE.items():
        if pattern.search(cleaned):
            return CrisisCheck(True, kind)
    return CrisisCheck(False)
