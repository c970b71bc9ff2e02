"""The reviewed crisis lexicon: normalisation, cancelling phrases and risk lines.

Why a lexicon at all: it is explainable line by line (every hit names the line that fired and
why), it works with nothing but the Python standard library and `lexicon.yml`, and a reviewer can
read it. The classifier in `classifier.py` is a second net for wordings nobody wrote down.

Design rule that matters most: a cancelling phrase (an idiom, a past event, a film) masks ONLY
the characters it matched, before the risk lines are searched. It can hide "dying for a cuppa"
but never the "I want to kill myself" later in the same message. Cancel patterns are checked at
load to be bounded (no `.`, `*` or `[^`), so none of them can swallow a whole sentence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_PATH = Path(__file__).with_name("lexicon.yml")

# Category order when several lines fire: the most specific first.
CATEGORY_PRIORITY = (
    "child_at_risk",
    "overdose",
    "suicide",
    "self_harm",
    "abuse",
    "medical_emergency",
)
CATEGORIES = frozenset(CATEGORY_PRIORITY)
_MASK = "~"
_PLACEHOLDER = re.compile(r"<([a-z_]+)>")
_NON_WORD = re.compile(r"[^a-z0-9~ ]+")
_SPACES = re.compile(r" {2,}")
_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")
_OD_D = re.compile(r"\bod(?:'e?d|ed)\b")  # od'd, od'ed, oded; not "odd" ("80 odd", "odd jobs"); "odd on" is a phrase below
_TENS = {"20", "30", "40", "50", "60"}
# Dropped-g endings ("hitin", "cuttin", "endin"): only mapped onto "-ing" words the risk lines use,
# and never for these ordinary words ending in "in".
_ING_WORD = re.compile(r"[a-z]{3,}ing\b")
_NOT_DROPPED_G = frozenset({"robin", "begin", "cabin", "within", "again", "coffin", "margin", "violin"})
_UNITS = {str(n) for n in range(1, 10)}


class LexiconError(ValueError):
    """The lexicon file breaks one of its own rules (unbounded cancel, unknown category...)."""


@dataclass(frozen=True)
class Line:
    """One reviewed line of the lexicon."""

    id: str
    kind: str  # risk: a category; cancel: idiom/history/negation/media/support/other; request: "request"
    layer: str
    pattern: str
    reason: str
    regex: re.Pattern[str] = field(repr=False, compare=False)

    def describe(self) -> str:
        """A reason string for the link worker: no message text, only the line and why."""
        return f"lexicon {self.id} ({self.kind}, {self.layer}): {self.reason}"


@dataclass(frozen=True)
class Hit:
    line: Line
    start: int
    end: int


@dataclass(frozen=True)
class Scan:
    """Everything the lexicon found in one message."""

    normalised: str
    masked: str
    risks: tuple[Hit, ...]
    cancels: tuple[Hit, ...]
    requests: tuple[Hit, ...]

    @property
    def category(self) -> str | None:
        kinds = {hit.line.kind for hit in self.risks}
        for category in CATEGORY_PRIORITY:
            if category in kinds:
                return category
        return None

    @property
    def classifier_text(self) -> str:
        """The text the classifier sees: normalised, with cancelled words removed."""
        return _SPACES.sub(" ", self.masked.replace(_MASK, " ")).strip()


def _damerau_deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Lexicon:
    """Loaded, compiled `lexicon.yml`. Build once (see `default_lexicon`) and reuse."""

    def __init__(self, data: dict) -> None:
        self.version = int(data["version"])
        self._phrases = [
            (re.compile(r"\b(?:" + left + r")\b"), right) for left, right in (data.get("phrases") or {}).items()
        ]
        words = {str(k): str(v) for k, v in (data.get("words") or {}).items()}
        numbers = {str(k): str(v) for k, v in (data.get("numbers") or {}).items()}
        self._words = {**words, **numbers}
        self._fuzzy_targets = [str(w) for w in data.get("fuzzy") or []]
        self._fuzzy: dict[str, str] = {}
        for target in self._fuzzy_targets:
            self._fuzzy.setdefault(target, target)
            for deleted in _damerau_deletes(target):
                self._fuzzy.setdefault(deleted, target)
        vocab = {name: str(value) for name, value in (data.get("vocab") or {}).items()}
        self._vocab = vocab
        # The -ing words of the vocab, risk AND cancel lines: "watchin a film about" must reach the
        # media cancel as "watching", as "hurtin" reaches the risk lines as "hurting".
        risk_text = " ".join([*vocab.values(),
                              *(str(e["pattern"]) for e in (data.get("risk") or []) + (data.get("cancel") or []))])
        self._ing_words = frozenset(_ING_WORD.findall(risk_text))
        self.risk = tuple(self._line(entry, "risk") for entry in data.get("risk") or [])
        self.cancel = tuple(self._line(entry, "cancel") for entry in data.get("cancel") or [])
        self.request = tuple(self._line(entry, "request") for entry in data.get("request") or [])
        ids = [line.id for line in (*self.risk, *self.cancel, *self.request)]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise LexiconError(f"duplicate line ids: {sorted(duplicates)}")

    # -- loading ---------------------------------------------------------------------------

    def _expand(self, pattern: str, line_id: str) -> str:
        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self._vocab:
                raise LexiconError(f"{line_id}: unknown placeholder <{name}>")
            return "(?:" + self._expand(self._vocab[name], line_id) + ")"

        return _PLACEHOLDER.sub(repl, pattern)

    def _line(self, entry: dict, section: str) -> Line:
        line_id = str(entry["id"])
        pattern = str(entry["pattern"])
        if section == "risk":
            kind = str(entry["category"])
            if kind not in CATEGORIES:
                raise LexiconError(f"{line_id}: unknown category {kind!r}")
            layer = str(entry["layer"])
        elif section == "cancel":
            kind = str(entry["kind"])
            layer = "cancel"
            check_bounded(pattern, line_id)
        else:
            kind = layer = "request"
        if not entry.get("reason"):
            raise LexiconError(f"{line_id}: every line needs a reason")
        expanded = _whole_word_lookaheads(self._expand(pattern, line_id))
        try:
            regex = re.compile(r"\b(?:" + expanded + r")\b")
        except re.error as exc:  # pragma: no cover - caught by the lexicon tests
            raise LexiconError(f"{line_id}: {exc}") from exc
        return Line(line_id, kind, layer, pattern, str(entry["reason"]), regex)

    # -- normalisation ---------------------------------------------------------------------

    def _fix_word(self, word: str) -> str:
        if word in self._words:
            return self._words[word]
        if word.endswith("in") and len(word) >= 4 and word not in _NOT_DROPPED_G:
            # "thinkin" -> "thinking"; "hitin" -> "hitting" (the doubled consonant is often dropped too)
            for candidate in (word + "g", word[:-2] + word[-3] + "ing"):
                if candidate in self._ing_words:
                    return candidate
        if len(word) >= 6 and word not in self._fuzzy_targets:
            target = self._fuzzy.get(word)
            if target is None:
                for deleted in _damerau_deletes(word):
                    target = self._fuzzy.get(deleted)
                    if target is not None:
                        break
            if target is not None and abs(len(target) - len(word)) <= 1:
                return target
        return word

    def normalise(self, text: str) -> str:
        """Lower case, no accents or apostrophes, text-speak and dialect mapped, typos fixed."""
        text = unicodedata.normalize("NFKD", text.lower())
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = _OD_D.sub(" overdosed ", text.replace("\u2019", "'"))
        text = _APOSTROPHES.sub("", text)
        text = _NON_WORD.sub(" ", text.replace(_MASK, " "))
        text = _SPACES.sub(" ", text).strip()
        for regex, right in self._phrases:
            text = regex.sub(right, text)
        words = [self._fix_word(w) for w in text.split(" ") if w]
        text = " ".join(words)
        for regex, right in self._phrases:  # words may have produced a phrase ("me sel" -> "myself")
            text = regex.sub(right, text)
        return _join_numbers(text)

    # -- scanning --------------------------------------------------------------------------

    def scan(self, text: str) -> Scan:
        normalised = self.normalise(text)
        cancels: list[Hit] = []
        chars = list(normalised)
        for line in self.cancel:
            for match in line.regex.finditer(normalised):
                if match.end() > match.start():
                    cancels.append(Hit(line, match.start(), match.end()))
                    for i in range(match.start(), match.end()):
                        if chars[i] != " ":
                            chars[i] = _MASK
        masked = "".join(chars)
        risks = [
            Hit(line, m.start(), m.end())
            for line in self.risk
            for m in [line.regex.search(masked)]
            if m is not None and m.end() > m.start()
        ]
        scan = Scan(normalised, masked, tuple(risks), tuple(cancels), ())
        if not risks:
            return scan
        return Scan(normalised, masked, scan.risks, scan.cancels, self.request_hits(scan))

    def request_hits(self, scan: Scan) -> tuple[Hit, ...]:
        """Request cues outside every risky span (so "any" in "took any pills" is not a request).

        The risky spans are the risk lines' matches; for a classifier-only hit there are none and
        the whole masked message is searched.
        """
        spans = [(h.start, h.end) for h in scan.risks]
        hits: list[Hit] = []
        for line in self.request:
            for m in line.regex.finditer(scan.masked):
                if not any(m.start() < end and start < m.end() for start, end in spans):
                    hits.append(Hit(line, m.start(), m.end()))
                    break
        return tuple(hits)


def _whole_word_lookaheads(pattern: str) -> str:
    """Make every `(?! x| y)` mean whole words: `(?! to)` must not block "tonight"."""
    out: list[str] = []
    i = 0
    while True:
        j = pattern.find("(?!", i)
        if j < 0:
            out.append(pattern[i:])
            return "".join(out)
        depth, k = 0, j
        while k < len(pattern):
            ch = pattern[k]
            if ch == "\\":
                k += 2
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        body = _whole_word_lookaheads(pattern[j + 3 : k])
        out.append(pattern[i:j] + "(?!(?:" + body + r")\b)")
        i = k + 1


def _join_numbers(text: str) -> str:
    """ "20 5" (from "twenty five") -> "25", so amounts compare as numbers."""
    words = text.split(" ")
    out: list[str] = []
    for word in words:
        if out and out[-1] in _TENS and word in _UNITS:
            out[-1] = str(int(out[-1]) + int(word))
        else:
            out.append(word)
    return " ".join(out)


_UNBOUNDED = re.compile(r"(?<!\\)\.|\*|\[\^|\{\d*,\}")
_ALLOWED_PLUS = re.compile(r"\\[wd][+*]|\[a-z\]\+")


def check_bounded(pattern: str, line_id: str = "?") -> None:
    """Refuse cancel patterns that could match an unbounded stretch of text.

    A cancel pattern may use `\\w+` (one word) and `(?: \\w+){0,n}` with n <= 6, nothing wider:
    that is what keeps an idiom from deleting risk elsewhere in the message.
    """
    stripped = _ALLOWED_PLUS.sub("", pattern)
    if _UNBOUNDED.search(stripped) or "+" in stripped:
        raise LexiconError(f"{line_id}: cancel patterns must be bounded (no '.', '*', '+', '[^')")
    for _low, high in re.findall(r"\{(\d+),(\d+)\}", stripped):
        if int(high) > 6:
            raise LexiconError(f"{line_id}: a gap of more than 6 words is not allowed in a cancel pattern")


def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    with open(path, encoding="utf-8") as handle:
        return Lexicon(yaml.safe_load(handle))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lexicon, loaded on first use (never at import)."""
    return load_lexicon()
