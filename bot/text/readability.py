"""Reading age of bot messages (Flesch-Kincaid), so plain language is checked, not hoped for.

Reading age is the Flesch-Kincaid grade plus 5 (UK school year to age). Syllables are counted
with a vowel-group rule that is right for most short everyday words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?:]+(?:\s|$)|\n")


def syllables(word: str) -> int:
    word = word.lower().replace("'", "")
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        if not self.words:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def reading_age(self) -> float:
        return max(self.grade, 0.0) + 5


def measure(text: str) -> Readability:
    words = _WORD.findall(text)
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if _WORD.search(s or "")]))
    return Readability(len(words), sentences, sum(syllables(w) for w in words))
