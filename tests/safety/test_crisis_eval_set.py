"""Checks that the crisis evaluation set (tests/safety/crisis_eval.yml) is fit for purpose.

The set is held out: it measures the crisis safety net and must never be used to write the lexicon
or to train or tune the classifier. These tests only check the set itself (shape, size, variety,
no duplicates) and that it shares no message with the NLU training data. They need only PyYAML.
"""

import re
import string
from itertools import combinations
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = Path(__file__).resolve().parent / "crisis_eval.yml"
NLU_DIR = ROOT / "data" / "nlu"

MUST_FLAG = ("suicide", "self_harm", "overdose", "abuse", "medical_emergency", "child_at_risk")
MUST_NOT_FLAG = ("idiom", "past_bereavement", "support_request", "medical_history", "media_and_news", "everyday")
CATEGORIES = [("must_flag", c) for c in MUST_FLAG] + [("must_not_flag", c) for c in MUST_NOT_FLAG]
MIN_PER_CATEGORY = 55
# About 10% of each category should be unpunctuated, all lower-case text-speak.
MIN_TEXT_SPEAK_SHARE = 0.08
MAX_KNOWN_PUBLIC = 5
KNOWN_PUBLIC_EXAMPLES = (
    "I wish I was dead",
    "life isn't worth living",
    "I can't do this anymore",
    "they'd all be better off if I wasn't around",
    "took 20 paracetamol",
    "I have taken an OD",
    "been cutting again",
    "my bf hits me",
    "my husband hurt me",
    "she's not breathing",
)

# [text](entity), [text](entity:value) and [text]{"entity": ...} all become "text".
ENTITY_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}\u2018\u2019\u201c\u201d]")


def normalise(text: str) -> str:
    """Lower-case and collapse whitespace: the comparison the brief asks for."""
    return " ".join(text.lower().split())


def loose(text: str) -> str:
    """normalise() with punctuation dropped too, so "im" and "i'm" or a trailing "." cannot hide a copy.

    Two texts equal under normalise() are equal here as well, so checking with loose() is stricter.
    """
    return normalise(PUNCTUATION.sub("", text))


def load_eval_set() -> dict:
    with EVAL_SET.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def all_messages(data: dict) -> list[tuple[str, str]]:
    """(section/category, message) for every message in the set."""
    return [
        (f"{section}/{category}", message)
        for section in ("must_flag", "must_not_flag")
        for category, messages in (data.get(section) or {}).items()
        for message in messages or []
    ]


def training_examples() -> list[tuple[str, str]]:
    """(file name, example text) for every example in data/nlu/*.yml, entity annotations stripped."""
    examples = []
    for path in sorted(NLU_DIR.glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle) or {}
        for item in document.get("nlu") or []:
            block = item.get("examples") if isinstance(item, dict) else None
            if not isinstance(block, str):
                continue
            for line in block.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append((path.name, ENTITY_ANNOTATION.sub(r"\1", line[2:]).strip()))
    return examples


@pytest.fixture(scope="module")
def data() -> dict:
    return load_eval_set()


def test_file_has_version_and_both_sections(data):
    assert data.get("version") == 1
    assert isinstance(data.get("must_flag"), dict)
    assert isinstance(data.get("must_not_flag"), dict)


@pytest.mark.parametrize("section,categories", [("must_flag", MUST_FLAG), ("must_not_flag", MUST_NOT_FLAG)])
def test_every_category_is_present_and_nothing_else(data, section, categories):
    assert sorted(data[section]) == sorted(categories)


@pytest.mark.parametrize("section,category", CATEGORIES)
def test_category_is_big_enough_and_holds_only_plain_non_empty_strings(data, section, category):
    messages = data[section][category]
    assert isinstance(messages, list)
    assert len(messages) >= MIN_PER_CATEGORY, f"{section}/{category} has {len(messages)} messages"
    for message in messages:
        assert isinstance(message, str), f"{section}/{category}: not a plain string: {message!r}"
        assert normalise(message), f"{section}/{category}: empty message"


@pytest.mark.parametrize("section,category", CATEGORIES)
def test_category_has_some_unpunctuated_lower_case_text_speak(data, section, category):
    messages = data[section][category]
    bare = [m for m in messages if m == m.lower() and not PUNCTUATION.search(m)]
    assert len(bare) >= MIN_TEXT_SPEAK_SHARE * len(messages), (
        f"{section}/{category}: only {len(bare)} of {len(messages)} are lower case with no punctuation"
    )


def test_no_duplicates_within_or_across_categories(data):
    seen: dict[str, str] = {}
    duplicates = []
    for where, message in all_messages(data):
        key = loose(message)
        if key in seen:
            duplicates.append(f"{message!r} in {where} repeats {seen[key]}")
        else:
            seen[key] = where
    assert not duplicates, "\n".join(duplicates)


def test_no_two_messages_are_one_word_swaps_of_each_other(data):
    """Variety: reject templates where a single word was swapped to make a 'new' message."""
    words = [(where, message, loose(message).split()) for where, message in all_messages(data)]
    near = []
    for (where_a, a, wa), (where_b, b, wb) in combinations(words, 2):
        if len(wa) == len(wb) and len(wa) >= 3 and sum(x != y for x, y in zip(wa, wb, strict=False)) == 1:
            near.append(f"{a!r} ({where_a}) ~ {b!r} ({where_b})")
    assert not near, "\n".join(near)


def test_few_known_public_examples(data):
    known = {loose(example) for example in KNOWN_PUBLIC_EXAMPLES}
    copied = [message for _, message in all_messages(data) if loose(message) in known]
    assert len(copied) <= MAX_KNOWN_PUBLIC, copied


def test_entity_annotations_are_stripped_for_the_overlap_check():
    line = 'my [bf](person) lives in [Hendon]{"entity": "place", "value": "hendon"}'
    assert ENTITY_ANNOTATION.sub(r"\1", line) == "my bf lives in Hendon"


def test_no_message_is_also_a_training_example(data):
    """The set must stay independent of everything the NLU model is trained on."""
    examples = training_examples()
    assert examples, f"no training examples found under {NLU_DIR}"
    trained = {loose(text): name for name, text in examples}
    overlaps = [
        f"{message!r} ({where}) is a training example in {trained[loose(message)]}"
        for where, message in all_messages(data)
        if loose(message) in trained
    ]
    assert not overlaps, "\n".join(overlaps)


def test_no_message_is_in_the_detectors_own_training_data(data):
    """Nor of what the crisis classifier is trained on (bot/risk/data, check sets aside): a copy
    there would be tested on what it learned. (Thirty-six such lines were found and removed in
    session 6; the fresh set has had this check from the start.)"""
    trained = {}
    for path in sorted((ROOT / "bot" / "risk" / "data").glob("*.yml")):
        if path.name.startswith("check_"):
            continue
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for section in ("must_flag", "must_not_flag"):
            for messages in (document.get(section) or {}).values():
                for text in messages or []:
                    trained.setdefault(loose(text), path.name)
    assert trained, "no crisis training data found under bot/risk/data"
    overlaps = [f"({where}) is also in {trained[loose(message)]}" for where, message in all_messages(data)
                if loose(message) in trained]
    assert not overlaps, f"{len(overlaps)} evaluation lines are in the training data:\n" + "\n".join(overlaps)

