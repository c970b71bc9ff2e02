"""GSM-7 awareness for SMS: which characters cost what, and how many segments a text takes.

A single non-GSM character (an emoji, a curly quote) switches the whole message to UCS-2 and
cuts a segment from 160 to 70 characters, so bot text is normalised to GSM-7 before sending.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"  # each costs two characters (escape + char)
_BASIC = set(GSM7_BASIC)
_EXTENDED = set(GSM7_EXTENDED)

# Look-alikes that phones, word processors and translators put into text.
_REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...",
    "\u00a0": " ", "\u2022": "-", "\u00b7": "-", "\t": " ",
}


# Letters with no GSM-7 form and no decomposition to one: their plain spelling.
_PLAIN_LETTERS = {
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i",
    "œ": "oe", "Œ": "OE", "ŀ": "l", "Ŀ": "L", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T", "ĸ": "k",
    "ſ": "s", "ŉ": "n",
}
_MORE_PUNCTUATION = {
    "«": '"', "»": '"', "‹": "'", "›": "'", "′": "'", "″": '"',
    "×": "x", "‐": "-", "‑": "-", "‒": "-", "―": "-", "\u200b": "", "\u200d": "",
    "\ufeff": "", "\u2009": " ", "\u202f": " ", "\u00ad": "",
}


def _plain(ch: str) -> str:
    """One character as GSM-7 can carry it: itself, its look-alike, or its letters without accents."""
    if ch in _BASIC or ch in _EXTENDED:
        return ch
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    if ch in _MORE_PUNCTUATION:
        return _MORE_PUNCTUATION[ch]
    if ch in _PLAIN_LETTERS:
        return _PLAIN_LETTERS[ch]
    # NFKD splits accents off letters (ą -> a + ogonek, ﬁ -> fi, ² -> 2); keep the GSM-7 parts.
    decomposed = unicodedata.normalize("NFKD", ch)
    kept = "".join(_PLAIN_LETTERS.get(c, c) for c in decomposed if c in _BASIC or c in _EXTENDED or c in _PLAIN_LETTERS)
    return kept  # emoji and other symbols have no plain form and are left out


def to_gsm7(text: str) -> str:
    """Text that GSM-7 can carry, with nothing readable lost.

    Look-alike punctuation becomes its plain form (curly quotes, dashes), letters outside GSM-7
    lose their accents (ł -> l, ą -> a, ç -> c) rather than being dropped, and letters GSM-7 has
    (é, ñ, ü) stay as typed. Only symbols with no plain form (emoji) are left out.
    """
    return "".join(_plain(ch) for ch in unicodedata.normalize("NFC", text))


def is_gsm7(text: str) -> bool:
    return all(c in _BASIC or c in _EXTENDED for c in text)


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # in encoding units (GSM septets, or UTF-16 code units)
    segments: int


def count_segments(text: str) -> SegmentCount:
    """Segments as a network bills them (153 / 67 per part once a message is split)."""
    if is_gsm7(text):
        units = sum(2 if c in _EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        return SegmentCount(encoding, units, 1 if units else 0)
    return SegmentCount(encoding, units, -(-units // multi))


def split_for_sms(text: str, max_segments: int = 3) -> list[str]:
    """Texts to send for one bot message, each at most `max_segments` segments.

    Most bot messages fit one segment and go as they are. A longer one is broken at line or
    sentence ends (never mid-word where a sentence fits), so every part reads on its own.
    """
    text = text.strip()
    if not text:
        return []
    if count_segments(text).segments <= max_segments:
        return [text]
    fits = lambda t: count_segments(t).segments <= max_segments  # noqa: E731
    parts: list[str] = []
    current = ""
    for piece in _pieces(text):
        for chunk in ([piece] if fits(piece) else _wrap_words(piece, fits)):
            candidate = f"{current}\n{chunk}" if current else chunk
            if current and not fits(candidate):
                parts.append(current)
                current = chunk
            else:
                current = candidate
    if current:
        parts.append(current)
    return parts


def _pieces(text: str) -> list[str]:
    pieces: list[str] = []
    for line in text.split("\n"):
        sentences: list[str] = []
        buf = ""
        for i, ch in enumerate(line):
            buf += ch
            if ch in ".?!" and (i + 1 == len(line) or line[i + 1] == " "):
                sentences.append(buf.strip())
                buf = ""
        if buf.strip():
            sentences.append(buf.strip())
        pieces.extend(sentences if sentences else [""])
    return [p for p in pieces if p]


def _wrap_words(text: str, fits) -> list[str]:
    out: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and not fits(candidate):
            out.append(current)
            current = word
        else:
            current = candidate
    if current:
        out.append(current)
    return out
