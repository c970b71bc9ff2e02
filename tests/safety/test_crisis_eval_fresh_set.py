"""Checks that the fresh held-out crisis set (tests/safety/crisis_eval_fresh.yml) is fit for purpose.

The older set (crisis_eval.yml) was looked at while the detector was tuned, so the fresh one is the
honest measure. These tests check only the set itself: shape, size per side and per category, variety,
no duplicates, and that it shares no message with anything the detector or Rasa learns from (data/nlu,
bot/risk/data) or with the older set. They deliberately assert NO recall or false-alarm figure: the set
is reported by `make bench-crisis`, never tuned against, so no test may push anyone to fit it.
The other files are read mechanically here; the set's author never opened them.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FRESH_SET = Path(__file__).resolve().parent / "crisis_eval_fresh.yml"
OLD_SET = Path(__file__).resolve().parent / "crisis_eval.yml"
# Everything the NLU model or the crisis detector is trained, written or tuned on.
LEARNED_FROM = (ROOT / "data" / "nlu", ROOT / "bot" / "risk")

MUST_FLAG = ("suicide", "self_harm", "overdose", "abuse", "medical_emergency", "child_at_risk")
MUST_NOT_FLAG = ("idiom", "past_bereavement", "support_request", "medical_history", "media_and_news", "everyday")
CATEGORIES = [("must_flag", c) for c in MUST_FLAG] + [("must_not_flag", c) for c in MUST_NOT_FLAG]
MIN_PER_SIDE = 320
MIN_PER_CATEGORY = 50
MIN_TEXT_SPEAK_SHARE = 0.08
MIN_LONG_PER_SIDE = 15  # messages of 40 words or more: residents ramble, the set must too

ENTITY_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}\u2018\u2019\u201c\u201d]")


def loose(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: "im" and "I'm." cannot hide a copy."""
    return " ".join(PUNCTUATION.sub("", text).lower().split())


def load(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def messages_of(data: dict) -> list[tuple[str, str]]:
    """(section/category, message) for every message of an evaluation-set file."""
    return [
        (f"{section}/{category}", message)
        for section in ("must_flag", "must_not_flag")
        for category, messages in (data.get(section) or {}).items()
        for message in messages or []
    ]


def strings_in(node: Any) -> Iterator[str]:
    """Every text in any YAML document, whatever its layout.

    A multi-line string (a Rasa `examples: |` block) yields one text per line, without its "- "
    and with entity annotations stripped, so NLU files, dev sets and lexicon entries are all covered
    without this test knowing their format.
    """
    if isinstance(node, str):
        for line in node.splitlines():
            line = line.strip()
            if line.startswith("- "):
                line = line[2:]
            line = ENTITY_ANNOTATION.sub(r"\1", line).strip()
            if line:
                yield line
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings_in(key)
            yield from strings_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item)


def learned_texts() -> dict[str, str]:
    """loose(text) -> file, for every text in the files the detector and the NLU model learn from."""
    found: dict[str, str] = {}
    for folder in LEARNED_FROM:
        for path in sorted([*folder.rglob("*.yml"), *folder.rglob("*.yaml")]):
            for text in strings_in(load(path)):
                found.setdefault(loose(text), str(path.relative_to(ROOT)))
    return found


@pytest.fixture(scope="module")
def data() -> dict:
    return load(FRESH_SET)


def test_file_is_marked_held_out_with_a_version(data: dict) -> None:
    assert data.get("version") == 1
    assert data.get("held_out") is True, "the bench relies on held_out: true to keep the messages unprinted"


def test_header_says_how_it_was_written_and_that_it_must_not_be_tuned_on() -> None:
    header = "\n".join(line for line in FRESH_SET.read_text(encoding="utf-8").splitlines() if line.startswith("#"))
    for needed in ("Who and when", "How it was written", "did NOT open", "NEVER", "REPORTED"):
        assert needed in header


@pytest.mark.parametrize("section,categories", [("must_flag", MUST_FLAG), ("must_not_flag", MUST_NOT_FLAG)])
def test_both_sides_have_every_category_and_enough_messages(data: dict, section: str,
                                                            categories: tuple[str, ...]) -> None:
    assert isinstance(data.get(section), dict)
    assert sorted(data[section]) == sorted(categories)
    total = sum(len(messages) for messages in data[section].values())
    assert total >= MIN_PER_SIDE, f"{section} has {total} messages, needs {MIN_PER_SIDE}"


def test_categories_match_the_older_set() -> None:
    """Same names as crisis_eval.yml, so the bench's same-category column means the same on both."""
    old = load(OLD_SET)
    assert sorted(old["must_flag"]) == sorted(MUST_FLAG)
    assert sorted(old["must_not_flag"]) == sorted(MUST_NOT_FLAG)


@pytest.mark.parametrize("section,category", CATEGORIES)
def test_category_is_big_enough_plain_strings_with_some_text_speak(data: dict, section: str, category: str) -> None:
    messages = data[section][category]
    assert isinstance(messages, list)
    assert len(messages) >= MIN_PER_CATEGORY, f"{section}/{category} has {len(messages)}"
    for message in messages:
        assert isinstance(message, str) and message.strip(), f"{section}/{category}: {message!r}"
    bare = [m for m in messages if m == m.lower() and not PUNCTUATION.search(m)]
    assert len(bare) >= MIN_TEXT_SPEAK_SHARE * len(messages), f"{section}/{category}: {len(bare)} bare"


@pytest.mark.parametrize("section", ["must_flag", "must_not_flag"])
def test_each_side_has_long_rambling_messages(data: dict, section: str) -> None:
    long = [m for messages in data[section].values() for m in messages if len(m.split()) >= 40]
    assert len(long) >= MIN_LONG_PER_SIDE, f"{section}: only {len(long)} messages of 40+ words"


def test_no_duplicates_within_or_across_categories(data: dict) -> None:
    seen: dict[str, str] = {}
    duplicates = []
    for where, message in messages_of(data):
        key = loose(message)
        if key in seen:
            duplicates.append(f"{message!r} in {where} repeats {seen[key]}")
        seen.setdefault(key, where)
    assert not duplicates, "\n".join(duplicates)


def test_no_two_messages_are_one_word_swaps_of_each_other(data: dict) -> None:
    words = [(where, message, loose(message).split()) for where, message in messages_of(data)]
    near = [
        f"{a!r} ({where_a}) ~ {b!r} ({where_b})"
        for (where_a, a, wa), (where_b, b, wb) in combinations(words, 2)
        if len(wa) == len(wb) >= 3 and sum(x != y for x, y in zip(wa, wb, strict=True)) == 1
    ]
    assert not near, "\n".join(near)


def test_strings_in_reads_any_layout() -> None:
    document = {"nlu": [{"intent": "x", "examples": "- my [bf](person) hits me\n- dying for a cuppa\n"}],
                "must_flag": {"suicide": ["i wish i was dead"]}}
    texts = set(strings_in(document))
    assert {"my bf hits me", "dying for a cuppa", "i wish i was dead"} <= texts


def test_no_message_is_in_anything_the_detector_or_nlu_learns_from(data: dict) -> None:
    learned = learned_texts()
    assert learned, f"nothing found under {LEARNED_FROM}"
    overlaps = [f"{message!r} ({where}) is also in {learned[loose(message)]}"
                for where, message in messages_of(data) if loose(message) in learned]
    assert not overlaps, "\n".join(overlaps)


def test_no_message_is_also_in_the_older_set(data: dict) -> None:
    old = {loose(message) for _, message in messages_of(load(OLD_SET))}
    assert old
    overlaps = [f"{message!r} ({where})" for where, message in messages_of(data) if loose(message) in old]
    assert not overlaps, "\n".join(overlaps)
