"""What a resident's message says about their needs, read with its negation and context.

The NLU entities and the keyword net (community_directory.needs) both work word by word, so
"im not a carer" names carers, "for my dad" names dads, "he uses a walker" names walking and
"my partner's back at work" names jobs. This module reads the whole message first: words in a
refusal ("not a carer", "not after a job", "no jobs please") name needs to drop, and words about
someone else or about a mobility aid are not needs at all. Only known need keys come out.

Pure functions with no Rasa imports, so they are unit tested directly. The directory library
reads the same text for kinds, refusals and who an activity is for
(community_directory.request_text.read_request); `read_needs` adds its refusals and misreadings
to the ones read here, so what is kept as needs and what the matcher searches for agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from community_directory.needs import NEED_KEYS, needs_in_text
from community_directory.request_text import read_request

# Words that stand for a need only when they are about the person: "my dad" is the dad, not a
# dads' group; "a walker" is a walking frame, not a walk; "at work" is where a partner is.
_NOT_A_NEED = [
    # someone else's parent, partner or friend: the person is asking for them
    # (only the relative is blanked, so "i care for my mam" still says carer)
    (
        r"\b(?:my|me|his|her|our|their|ma|mi)\s+(?:old\s+|late\s+|poor\s+)?(?P<x>(?:dad|da|father|mum|mam|mom|mother|"
        r"husband|hubby|wife|partner|fella|friend|mate|neighbour|nan|nana|grandad|grandma)(?:'?s)?)\b"
    ),
    # mobility aids
    (
        r"\b(?:walking\s+(?:frame|stick|aid)s?|zimmer(?:\s+frame)?s?|rollators?|walkers?|mobility\s+scooters?|"
        r"crutch(?:es)?|wheel\s?chairs?)\b"
    ),
    r"\b(?:can'?t|cannot|cant|can not|struggle to|unable to)\s+walk(?:\s+(?:far|much|very far|well))?\b",
    r"\bwalking\s+distance\b",
    # where someone is, not a job they want
    r"\b(?:at|after|before|from|off)\s+work\b",
    r"\bwork(?:s|ing)?\s+(?:nights|days|shifts|full[- ]?time|part[- ]?time|long hours|away)\b",
    (
        r"\b(?:he|she|they|partner|husband|wife|hubby|fella|missus)(?:'?s| is| has| was)?\s+(?:gone\s+|went\s+)?"
        r"(?:back\s+)?(?:to|at|in)\s+work\b"
    ),
    # who someone is or was: "a learning disability" is no course, "dad worked in the shipyards" no job
    r"\blearning\s+(?:disabilit\w*|difficult\w*|disabled)\b",
    r"\b(?:worked|used\s+to\s+work)\b",
    r"\bno\s+(?:family|kids|children|bairns)\b",  # "no family nearby": who they have, not a parenting need
    # "how does this work", "that would work"
    r"\b(?:does|do|did|would|will|should|could)\s+(?:this|that|it)\s+work\b",
    r"\b(?:this|that|it)\s+(?:works|worked)\b",
]
_NOT_A_NEED += [
    # "it has to be free, im skint": why it must be free, not a call for money advice
    (
        r"\b(?:free|cheap|no cost)\b(?:\s+(?:as|cos|cause|because|coz|since|im|i'm|i am|as i'm|as im)){1,2}"
        r"\s+(?P<x>skint|broke|brassic)\b"
    ),
    r"\b(?P<x>skint|broke|brassic)\b(?:\s+\w+){0,2}\s+(?:so|it)\s+(?:\w+\s+){0,3}(?:free|cheap)\b",
]
_NOT_A_NEED_RES = [re.compile(p, re.IGNORECASE) for p in _NOT_A_NEED]

# A refusal: the need words after it, to the end of the clause, are what the person does NOT want.
_REFUSAL = re.compile(
    r"\b(?:"
    r"(?:i'?m|im|i am|am)\s+not\s+(?:really\s+)?(?:a|an|one\s+for|the\s+type|the\s+sort|a\s+fan\s+of|big\s+on)\b"
    r"|can'?t\s+be\s+doing\s+with"
    r"|not\s+(?:after|looking\s+for|wanting|interested\s+in|into|bothered\s+(?:about|with)|fussed\s+(?:about|on|with)|"
    r"needing|asking\s+(?:about|for)|on\s+about)"
    r"|(?:don'?t|dont|do not|doesn'?t|does not|didn'?t)\s+(?:want|need|fancy|mean)(?!\s+to\s+(?:be|feel|sit|stay))"
    r"|no\s+(?:more\s+)?(?=\w+\s+(?:please|pls|plz|thanks|ta)\b)"
    r"|rather\s+than|instead\s+of|except|apart\s+from|nothing\s+(?:to\s+do\s+with|about|with|involving|like)"
    # "not energy", "not the energy one" (but "not coping", "not working" are needs said plainly)
    r"|not(?=\s+(?:a\s+|an\s+|the\s+)?(?!\w+ing\b)\w+(?:\s+(?:one|ones|thing|stuff|group|groups|club|clubs))?\s*(?:[,.;!?]|$))"
    r")",
    re.IGNORECASE,
)
# A clause ends at punctuation or where a new wish starts ("..., just baby groups").
_CLAUSE_END = re.compile(r"[,.;!?]|\b(?:but|just|only|i want|i'?d like|i need|looking for|rather)\b", re.IGNORECASE)


_MOBILITY_AID = re.compile(
    r"walking\s+(?:frame|stick|aid)|zimmer|rollator|\bwalkers?\b|mobility\s+scooter|crutch|\b(?:can'?t|cannot|cant)\s+walk",
    re.IGNORECASE,
)


# Asking for a child or teenager with no need named: somewhere to meet others their age.
_YOUNG_PERSON = re.compile(
    r"\b(?:my|me|our)\s+(?:lad|lass|son|daughter|boy|girl|grandson|granddaughter|kid|teenager)\b[^.?!]{0,30}?"
    r"\b(?:(?:he|she)'?s|(?:he|she) is|aged)\s+(?:1[0-7]|[5-9])\b|\b(?:my|me|our)\s+(?:teenager|teen)\b",
    re.IGNORECASE,
)


@dataclass
class NeedsHeard:
    """The needs a message names, the ones it turns down, and what it says about access."""

    needs: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    mobility_aid: bool = False  # "he uses a walker", "zimmer frame": access, not a walk

    def apply_to(self, current: Iterable[str]) -> list[str]:
        """Needs already kept, minus the ones now turned down, plus the new ones, in order."""
        kept = [n for n in current if n in NEED_KEYS and n not in self.excluded]
        return kept + [n for n in self.needs if n not in kept]


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Where the pattern matches; only its group "x" when it has one (the words that are not a need)."""
    return [m.span("x") if m.groupdict().get("x") is not None else m.span() for m in pattern.finditer(text)]


def _context_spans(text: str) -> list[tuple[int, int]]:
    """Every span of the text whose words are not a need (someone else, an aid, where they are)."""
    return [span for pattern in _NOT_A_NEED_RES for span in _spans(pattern, text)]


def _refusal_spans(text: str) -> list[tuple[int, int]]:
    """From each refusal word to the end of its clause."""
    spans = []
    for match in _REFUSAL.finditer(text):
        start = match.end()
        end_match = _CLAUSE_END.search(text, start)
        spans.append((match.start(), end_match.start() if end_match else len(text)))
    return spans


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The text with these character spans replaced by spaces (positions kept for entity spans)."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _inside(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    """Every non-space character of `span` lies in one of `spans` ("care for my dad" is not inside "dad")."""
    covered: set[int] = set()
    for start, end in spans:
        covered.update(range(start, end))
    return all(i in covered for i in range(span[0], span[1]))


def _library_reading(text: str) -> tuple[set[str], set[str], bool, list[str]]:
    """(refused needs, misread needs, mobility aid, its needs) from the directory's reader of the same words.

    community_directory.request_text reads the message for kinds and for who an activity is
    for; its refusals and misreadings are added to the ones read here, so the needs kept and the
    matcher's reading of the person's words never disagree. Its needs, when it found a named kind
    (spelled however: "berevement group"), stand in when no need word was found here.
    """
    reading = read_request(text)
    excluded = {n for n in reading.excluded_needs if n in NEED_KEYS}
    misread = {n for n in reading.misread_needs if n in NEED_KEYS}
    # a kind named, or someone it is for ("my 8 year old"), not just a word like "work"
    named_kinds = reading.needs if reading.kinds or reading.for_someone_else else []
    return (excluded, misread, reading.about_person.mobility in ("walking_aid", "wheelchair"),
            [n for n in named_kinds if n in NEED_KEYS])


# Intents the model gives to a message that may still name what they want: "yes please, a lunch
# club for me mam" (affirm), "hiya, any knit groups?" (greet), "no, just a coffee morning" (deny).
SOFT_INTENTS = frozenset({"greet", "affirm", "deny", "thanks", "chitchat", "out_of_scope"})


def names_a_kind(text: str, intent: str | None) -> bool:
    """Whether a message the model read as small talk names a kind of activity all the same."""
    return intent in SOFT_INTENTS and bool(read_request(text or "").kinds)


def without_refusals(text: str) -> str:
    """The text with what it turns down blanked out: "the debt one, not energy" -> "the debt one,"."""
    return " ".join(_blank(text or "", _refusal_spans(text or "")).split())


def search_text(text: str | None) -> str:
    """The person's words for the directory's text relevance, as they wrote them: the directory
    reads negation and "who it is for" itself (community_directory.request_text)."""
    return text or ""


def known_needs(values: Iterable[Any]) -> list[str]:
    """Only real need keys, in order, once each: an entity value like "have one" is never a need."""
    return list(dict.fromkeys(str(v) for v in values if str(v) in NEED_KEYS))


def read_needs(text: str, entities: Iterable[Mapping[str, Any]] = ()) -> NeedsHeard:
    """The needs one message names, with refusals and context applied.

    `entities` are the NLU's (dicts with entity, value, start, end). An entity wholly inside a
    refusal or a not-a-need phrase is dropped ("care for my dad" stays, "dad" alone goes); a value
    that is not a need key is read by the keyword net ("paint again" -> creative). The keyword net
    reads what is left of the text.
    """
    text = text or ""
    context = _context_spans(text)
    refusals = _refusal_spans(text)
    masked = _blank(text, context + refusals)
    named = needs_in_text(masked)
    refused = needs_in_text(_blank(text, context + _outside(refusals, len(text)))) if refusals else []
    lib_excluded, lib_misread, lib_mobility, lib_needs = _library_reading(text)
    # A need both turned down and asked for in one message ("not a carer, but a carers break") stays.
    excluded = (set(refused) - set(named)) | lib_excluded

    found: list[str] = []
    spans_given = False  # the model marked a need span (it may map to nothing: "have one")
    for entity in entities:
        if entity.get("entity") != "need":
            continue
        spans_given = True
        start, end = entity.get("start"), entity.get("end")
        if isinstance(start, int) and isinstance(end, int) and _inside((start, end), context + refusals):
            continue
        value = str(entity.get("value") or "")
        found += [value] if value in NEED_KEYS else needs_in_text(_blank(value, _context_spans(value)))
    needs = [n for n in dict.fromkeys(found + named) if n not in excluded and n not in lib_misread]
    if not needs and not spans_given:
        # no need word and no need span from the model, but a kind named: "lost me mam, is there a berevement group"
        needs = [n for n in lib_needs if n not in excluded]
    if not needs and _YOUNG_PERSON.search(text):
        needs = ["loneliness"]  # "anything for my lad, hes 14": youth groups, which are for meeting others
    mobility = lib_mobility or bool(_MOBILITY_AID.search(text))
    return NeedsHeard(needs=needs, excluded=sorted(excluded), mobility_aid=mobility)


def _outside(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """The complement of these spans in a text of this length."""
    out, position = [], 0
    for start, end in sorted(spans):
        if start > position:
            out.append((position, start))
        position = max(position, end)
    if position < length:
        out.append((position, length))
    return out


# A reply to "what would make life better?" that asks back what there is: "like what?", "what have
# you got like?", "what sort of things?". Not a question about what is kept ("what have you got on me").
_ASKS_WHAT_THERE_IS = re.compile(
    r"^\W*(?:(?:ok|okay|erm|um|hmm|dunno|not sure|i dont know|i don'?t know|no idea)\W+)?(?:"
    r"like what|such as|what like|(?:what|which)\s+(?:sort|kind|type)s?\s+of|what\s+(?:have|do|can)\s+(?:you|ya|yous|u)"
    r"\s+(?:got|have|do|offer)|what\s+(?:you|ya|yous|u)\s+got|what(?:'?s| is| are)\s+(?:there|on|available|the options)"
    r"|what\s+is\s+there|what\s+options|what\s+can\s+i\s+do|(?:any|some|give me some|got any)\s+(?:ideas|examples|suggestions)"
    r"|(?:tell me |show me )?(?:some )?examples)\b",
    re.IGNORECASE,
)
_ABOUT_RECORDS = re.compile(r"\b(?:keep|kept|store|stored|record|data|details|info|information|on me|about me|know about)\b",
                            re.IGNORECASE)
# Someone else named with no need yet: "its for wor lass", "for my dad", "me mam".
_SOMEONE_ELSE = re.compile(
    r"\b(?:for|its for|it is for|asking for)\s+(?:my|me|our|wor|the)\s+\w+"
    r"|\b(?:wor|our|me|my)\s+(?:lass|lad|missus|wife|husband|hubby|fella|dad|da|mam|mum|nan|nana|grandad|"
    r"neighbour|mate|friend|partner|son|daughter|brother|sister)\b",
    re.IGNORECASE,
)


# A reply that only says they are lost or unsure: "?", "eh?", "dunno really", "not sure". A link
# worker answers it with a few examples, not "Sorry, I did not get that" and the same question.
_UNSURE = re.compile(
    r"^[\W_]*(?:(?:eh|huh|what|wat|wot|erm+|um+|hmm+|dunno|dunno really|not sure|not really sure|no idea|idk"
    r"|i dont know|i don'?t know|i'?m not sure|im not sure|no clue|not a clue|god knows|search me|really)[\W_]*)*$",
    re.IGNORECASE,
)


def unsure(text: str) -> bool:
    """Only a question mark, "eh?" or "dunno": the person is lost or unsure, and says nothing else."""
    return bool((text or "").strip()) and bool(_UNSURE.match(text or ""))


def asks_what_there_is(text: str) -> bool:
    """ "like what?", or only "?" or "dunno": the person asks what is on offer instead of saying what they want."""
    if unsure(text):
        return True
    return bool(_ASKS_WHAT_THERE_IS.search(text or "")) and not _ABOUT_RECORDS.search(text or "")


def reply_without_a_need(text: str) -> str | None:
    """What an answer to "what matters?" that names no need gave instead: "asks_what" (a question
    back), "someone_else" (who it is for), or None. A place or a day is read by the slots."""
    if not text or read_needs(text).needs:
        return None
    if asks_what_there_is(text):
        return "asks_what"
    if _SOMEONE_ELSE.search(text):
        return "someone_else"
    return None
