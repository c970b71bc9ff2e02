"""Named kinds of activity ("bereavement group", "men's shed", "art club") and how residents say them.

A kind is narrower than a need (community_directory.needs): someone who asks for a men's shed
wants a men's shed, not any way of meeting people. The vocabulary is a reviewed data file,
data/activity_kinds.yml, so adding the way people say a thing is an edit to one list.

Reading is forgiving on purpose, because people text: apostrophes are ignored ("mens shed"),
a plural "s" is allowed, a dropped final g is put back ("knittin"), and a word one letter
away from a vocabulary word ("bereavment", "choire") is read as that word, and an "-er" written
for a spoken "-a" ("zumber") as the "-a" word. Phrases that use
activity words for something else ("walking stick", "a walker", "walking distance") are
taken out before reading, so they never name a kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from community_directory.needs import NEED_KEYS

KINDS_FILE = Path(__file__).parent / "data" / "activity_kinds.yml"

# Activity words used for something else: a mobility aid, a distance, a time of day, "running out".
NOT_ACTIVITY = re.compile(
    r"\b(walking (stick|sticks|frame|aid|distance)|(a|my|his|her|the|uses|use|with) (walker|zimmer)"
    r"|zimmer frame|(after|before|at|for) (lunch|dinner)( ?time)?|lunch ?time|dinner ?time"
    r"|(after|before|at|from) work|back at work|(no|low|any|the|of|full of|lots of) energy|sign (up|in)"
    r"|(running|run|ran|runs) (out|low|late|short|around|round|about)|running (a|the|my|me) )\b"
)
# Common words a typo must never be "corrected" away from.
_KEEP_AS_WRITTEN = frozenset({
    "carer", "caring", "cared", "bored", "walls", "wall",
    "share", "shared", "shore", "store", "score", "chore", "shout",
    "sheds", "shred", "where", "there", "these", "those", "their", "worse", "worst", "walker", "works",
    "worked", "working", "place", "plays", "cards", "chart", "chair", "chain", "shape", "class", "glass",
    "grass", "cross",
    # ordinary words one letter from an activity word, found in residents' texts ("hopeless" is not
    # "homeless", "medication" not "meditation", "conservation" not "conversation")
    "alone", "along", "chest", "talking", "taking", "point", "points", "conservation", "table", "tables", "pains",
    "cares", "letter", "letters", "backs", "stopping", "clear", "electrician", "hopeless", "bands", "cough",
    "medication", "bleach", "bench", "clashes", "signing", "seeing", "stretching", "healthy", "banks", "beach",
    "teach", "reach", "peach", "leach", "dancer", "gander", "garden", "warden", "harden", "pardon", "single",
    "mingle", "jingle", "tinkle", "sprint", "spring", "string", "strong", "wrong", "prong", "thing", "things",
    "think", "drink", "drinks", "stink", "sting", "swing", "bring", "being", "doing", "going",
    "lonely", "lovely", "lively", "homely", "timely", "comely", "deaths", "depth", "death", "mental", "dental",
    "rental", "chess", "walks", "talks", "talk", "balks", "books", "looks", "cooks", "hooks", "nooks", "rooks",
    "woman", "tablets",
    # one letter from "heating", "lecky", "pictures", "feelings"
    "hearing", "heading", "healing", "beating", "seating", "lucky", "picture", "feeling",
    # one letter from "swimming": a slimming club is about weight, not the pool
    "slimming",
})


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # plain words, used in the reasons residents read
    said: tuple[str, ...]  # normalised phrases a resident may write
    listings: tuple[str, ...]  # words or phrases that mark a listing of this kind (full-text search)
    not_listings: tuple[str, ...] = ()  # words that mean a listing is not this kind
    needs: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()  # audience tags the kind is for (listing_facts.audience_tags)
    related: tuple[str, ...] = ()  # kinds to lift a little next, when this one is asked for


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, anything else that is not a letter or digit a space."""
    lowered = (text or "").lower().replace("\u2019", "").replace("'", "").replace("`", "")
    return " ".join(re.findall(r"[a-z0-9]+", lowered))


@lru_cache(maxsize=1)
def load_kinds(path: Path = KINDS_FILE) -> tuple[Kind, ...]:
    """The vocabulary, checked: unknown needs or an empty phrase list stop loading with the kind's name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    kinds = []
    for key, entry in data.items():
        needs = tuple(entry.get("needs") or ())
        unknown = [n for n in needs if n not in NEED_KEYS]
        if unknown or not entry.get("said") or not entry.get("listings"):
            raise ValueError(f"activity kind {key!r}: unknown needs {unknown} or no said/listings words")
        kinds.append(Kind(
            key=key, label=str(entry["label"]),
            said=tuple(normalise(str(p)) for p in entry["said"]),
            listings=tuple(normalise(str(p)) for p in entry["listings"]),
            not_listings=tuple(normalise(str(p)) for p in entry.get("not_listings") or ()),
            needs=needs, audience=tuple(entry.get("audience") or ()), related=tuple(entry.get("related") or ()),
        ))
    keys = {k.key for k in kinds}
    for kind in kinds:
        if set(kind.related) - keys:
            raise ValueError(f"activity kind {kind.key!r}: unknown related kinds {sorted(set(kind.related) - keys)}")
    return tuple(kinds)


def kind_keys() -> frozenset[str]:
    return frozenset(k.key for k in load_kinds())


def get_kind(key: str) -> Kind:
    """The kind with this key; KeyError names it when unknown."""
    for kind in load_kinds():
        if kind.key == key:
            return kind
    raise KeyError(key)


@lru_cache(maxsize=1)
def _phrases() -> list[tuple[re.Pattern[str], str, int]]:
    """(pattern, kind key, words) for every phrase, longest first so "walking football" wins."""
    found = []
    for kind in load_kinds():
        for phrase in kind.said:
            words = phrase.split()
            body = r"\s+".join(re.escape(w) for w in words[:-1]) + (r"\s+" if len(words) > 1 else "")
            last = re.escape(words[-1]) + ("" if words[-1].endswith("s") else "s?")
            found.append((re.compile(rf"\b{body}{last}\b"), kind.key, len(phrase)))
    found.sort(key=lambda item: -item[2])
    return found


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    return frozenset(w for kind in load_kinds() for phrase in kind.said for w in phrase.split())


def within_edits(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein distance (adjacent swaps count one) at most `limit`: how far a typed
    word may be from a known one ("bereavment", "silksworh") and still be read as it."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


@lru_cache(maxsize=4096)
def spell(word: str) -> str:
    """The vocabulary word a resident probably meant, or the word itself."""
    vocabulary = _vocabulary()
    if word in vocabulary or len(word) < 5 or word in _KEEP_AS_WRITTEN or word in NEED_KEYS:
        return word
    if word.endswith("in") and word + "g" in vocabulary:
        return word + "g"  # dropped g: "knittin", "singin"
    if word.endswith("er") and word[:-2] + "a" in vocabulary:
        return word[:-2] + "a"  # written as said, with no r sounded: "zumber", "salser"
    limit = 2 if len(word) >= 9 else 1
    for candidate in sorted(vocabulary):
        if len(candidate) >= 5 and candidate[0] == word[0] and within_edits(word, candidate, limit):
            return candidate
    return word


def corrected(text: str) -> str:
    """Normalised text with activity words spelled as the vocabulary spells them."""
    return " ".join(spell(w) for w in normalise(text).split())


def kinds_in_text(text: str) -> list[str]:
    """Kind keys named in free text, in the order they are written."""
    cleaned = NOT_ACTIVITY.sub(" ", corrected(text))
    found: list[tuple[int, str]] = []
    for pattern, key, _ in _phrases():
        for match in pattern.finditer(cleaned):
            found.append((match.start(), key))
            # blank the phrase out, so shorter phrases inside it do not count again
            cleaned = cleaned[:match.start()] + " " * (match.end() - match.start()) + cleaned[match.end():]
    return list(dict.fromkeys(key for _, key in sorted(found)))


@lru_cache(maxsize=1)
def _listing_patterns() -> list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]:
    """(kind key, listing-word pattern, not-listing pattern) for naming what a listing is."""
    found = []
    for kind in load_kinds():
        def alternatives(phrases: tuple[str, ...]) -> str:
            return "|".join(r"\s+".join(re.escape(w) for w in p.split()) + r"\w*" for p in phrases)
        not_listing = re.compile(rf"\b(?:{alternatives(kind.not_listings)})") if kind.not_listings else None
        found.append((kind.key, re.compile(rf"\b(?:{alternatives(kind.listings)})"), not_listing))
    return found


@lru_cache(maxsize=8192)
def kinds_of_name(name: str) -> tuple[str, ...]:
    """The kinds a listing is by its own name ("Silksworth Job Club" is a job club): what it is for."""
    cleaned = normalise(name)
    return tuple(key for key, pattern, not_listing in _listing_patterns()
                 if pattern.search(cleaned) and not (not_listing and not_listing.search(cleaned)))


def needs_of(kind_keys: list[str]) -> list[str]:
    """The broad needs these kinds belong to, in order, without repeats."""
    return list(dict.fromkeys(n for key in kind_keys for n in get_kind(key).needs))
