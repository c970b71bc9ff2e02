"""tests/nlu/held_out_fresh.yml: a fresh held-out NLU set that must stay unseen by training.

Checks only what can be checked mechanically (pyyaml and the standard library, no Rasa): it
parses, every intent in domain/nlu.yml has at least 12 examples, every annotated entity is a
domain entity with a value the project uses (need keys from community_directory/needs.py,
place names from the lookup table and places.py, postcodes the regex extracts), no annotated
text maps to two values (EntitySynonymMapper would merge them), and no example is a line of the
training data (data/nlu/*.yml, synonyms and lookups included) or of the old held-out set.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]
FRESH = ROOT / "tests" / "nlu" / "held_out_fresh.yml"
OLD = ROOT / "tests" / "nlu" / "held_out.yml"
MIN_PER_INTENT = 12
MIN_TOTAL = 450

# [text](entity), [text](entity:value) or [text]{"entity": ..., "value": ...}
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<short>[^)]+)\)|(?P<json>\{[^}]*\}))")

_VALUES = {
    "day": {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekend", "weekdays"},
    "time_of_day": {"morning", "afternoon", "evening"},
    "cost": {"free"},
    "access": {"wheelchair", "mobility", "no_transport"},
    "age_group": {"young_people", "adults", "older_people"},
    "company": {"alone", "with_someone"},
    "checkin_period": {"1_week", "2_weeks", "1_month"},
    "progress": {"done", "partly", "not_yet"},
    "widen": {"days", "distance"},
    "number": {str(n) for n in range(11)} | {"last"},
}


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _examples(block: dict) -> list[str]:
    return [line[2:].strip() for line in (block.get("examples") or "").splitlines() if line.startswith("- ")]


def _entities(example: str) -> list[tuple[str, str, str]]:
    """(text, entity, value) for every annotation in an example."""
    found = []
    for m in _ANNOTATION.finditer(example):
        if m.group("json"):
            spec = json.loads(m.group("json"))
            found.append((m.group("text"), spec["entity"], spec.get("value", m.group("text"))))
        else:
            entity, _, value = m.group("short").partition(":")
            found.append((m.group("text"), entity, value or m.group("text")))
    return found


def _plain(example: str) -> str:
    """The message as typed: annotations stripped, lower case, spacing and end punctuation ignored."""
    text = _ANNOTATION.sub(lambda m: m.group("text"), example).lower()
    return " ".join(text.split()).strip(" .,!?")


def _fresh_blocks() -> list[dict]:
    return [b for b in _load(FRESH)["nlu"] if "intent" in b]


def _domain() -> dict:
    """domain/nlu.yml, plus the intents a person can type from domain/privacy.yml (issue 14)."""
    domain = _load(ROOT / "domain" / "nlu.yml")
    privacy = [i for i in _load(ROOT / "domain" / "privacy.yml")["intents"] if not i.startswith("EXTERNAL_")]
    return {**domain, "intents": [*domain["intents"], *privacy]}


def _need_keys() -> set[str]:
    return set(re.findall(r'Need\("(\w+)"', (ROOT / "community_directory" / "needs.py").read_text(encoding="utf-8")))


def test_fresh_set_is_rasa_nlu_yaml() -> None:
    data = _load(FRESH)
    assert str(data["version"]) == "3.1"
    for block in data["nlu"]:
        assert set(block) == {"intent", "examples"}, block
        assert isinstance(block["examples"], str)
        assert _examples(block), block["intent"]


def test_every_domain_intent_is_covered() -> None:
    domain_intents = set(_domain()["intents"])
    counts: Counter[str] = Counter()
    for block in _fresh_blocks():
        assert block["intent"] in domain_intents, f"unknown intent {block['intent']}"
        counts[block["intent"]] += len(_examples(block))
    short = {i: counts[i] for i in domain_intents if counts[i] < MIN_PER_INTENT}
    assert not short, f"intents with fewer than {MIN_PER_INTENT} examples: {short}"
    assert sum(counts.values()) >= MIN_TOTAL


def test_entities_are_domain_entities_with_known_values() -> None:
    domain_entities = set(_domain()["entities"])
    needs = _need_keys()
    places = {p.lower() for p in [*_lookup("place"), *_place_names()]}
    postcode = _regex("postcode")
    for block in _fresh_blocks():
        for example in _examples(block):
            assert example.count("[") == len(_entities(example)), f"malformed annotation: {example}"
            for text, entity, value in _entities(example):
                assert entity in domain_entities, f"{entity} is not a domain entity: {example}"
                if entity == "need":
                    assert value in needs, f"need {value} is not a key in needs.py: {example}"
                elif entity == "place":
                    assert value.lower() in places, f"place {value} is not in the place lookup: {example}"
                elif entity == "language":
                    assert value == value.lower(), example
                elif entity == "postcode":
                    assert value == text and postcode.fullmatch(text), f"not a postcode the regex extracts: {example}"
                elif entity in _VALUES:
                    assert value in _VALUES[entity], f"{entity} value {value}: {example}"


def test_annotated_texts_map_to_one_value() -> None:
    """EntitySynonymMapper maps a text to one value whatever the entity, so the set must agree with itself
    and with data/nlu/synonyms.yml."""
    mapped: dict[str, str] = {}
    for block in _load(ROOT / "data" / "nlu" / "synonyms.yml")["nlu"]:
        if "synonym" in block:
            for text in _examples(block):
                mapped[text.lower()] = str(block["synonym"])
    seen: dict[str, str] = {}
    for block in _fresh_blocks():
        for example in _examples(block):
            for text, _entity, value in _entities(example):
                key = text.lower()
                if key in mapped:
                    assert mapped[key] == value, f"{text!r} is {value} here but {mapped[key]} in synonyms.yml"
                assert seen.setdefault(key, value) == value, f"{text!r} has two values in the fresh set"


def _lookup(name: str) -> list[str]:
    for block in _load(ROOT / "data" / "nlu" / "regexes.yml")["nlu"]:
        if block.get("lookup") == name:
            return _examples(block)
    raise KeyError(name)


def _place_names() -> list[str]:
    """Canonical area names in community_directory/places.py (the lookup table lacks a few)."""
    return re.findall(r'\("([^"]+)", -?\d', (ROOT / "community_directory" / "places.py").read_text(encoding="utf-8"))


def _regex(name: str) -> re.Pattern[str]:
    for block in _load(ROOT / "data" / "nlu" / "regexes.yml")["nlu"]:
        if block.get("regex") == name:
            return re.compile("|".join(_examples(block)), re.IGNORECASE)
    raise KeyError(name)


def _seen_lines() -> dict[str, str]:
    """Every example line of the training data and the old held-out set, normalised, with its file."""
    seen: dict[str, str] = {}
    for path in [*sorted((ROOT / "data" / "nlu").glob("*.yml")), OLD]:
        for block in _load(path).get("nlu") or []:
            for example in _examples(block):
                seen.setdefault(_plain(example), path.relative_to(ROOT).as_posix())
    return seen


def test_no_example_is_in_training_data_or_old_held_out_set() -> None:
    seen = _seen_lines()
    overlap = [(e, seen[_plain(e)]) for b in _fresh_blocks() for e in _examples(b) if _plain(e) in seen]
    assert not overlap, f"examples already in training or old held-out data: {overlap}"


def test_no_example_is_repeated() -> None:
    counts = Counter(_plain(e) for b in _fresh_blocks() for e in _examples(b))
    assert not [t for t, n in counts.items() if n > 1]


def test_fresh_set_is_outside_the_training_data() -> None:
    """The file lives under tests/, never under data/, so `rasa train` cannot pick it up."""
    assert FRESH.is_file()
    assert not list((ROOT / "data").rglob(FRESH.name))
