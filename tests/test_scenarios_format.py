"""The conversation scenarios (tests/scenarios/) are well formed. Fast: no Rasa, no stack.

bench/scenarios.py plays them end to end; this only checks the files: they parse, ids are
unique, every kind an expectation names is defined, every kind matches a real demo listing,
and each split has enough scenarios to mean something.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.scenarios import KINDS_FILE, SCENARIO_DIR, SPLITS, load_kinds, load_split, problems

LISTINGS = Path(__file__).resolve().parent.parent / "community_directory" / "demo" / "data" / "services.csv"
MIN_PER_SPLIT = 32


def listing_names() -> list[str]:
    with LISTINGS.open(newline="", encoding="utf-8") as handle:
        return [row["name"] for row in csv.DictReader(handle)]


@pytest.mark.parametrize("split", SPLITS)
def test_each_split_parses_and_is_well_formed(split: str) -> None:
    kinds = load_kinds()
    scenarios = load_split(split)
    assert len(scenarios) >= MIN_PER_SPLIT, f"{split}: {len(scenarios)} scenarios, want at least {MIN_PER_SPLIT}"
    found = [p for s in scenarios for p in problems(s, kinds)]
    assert not found, "\n".join(found)


def test_ids_are_unique_across_splits() -> None:
    ids = [s["id"] for split in SPLITS for s in load_split(split)]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicated, duplicated


def test_every_kind_matches_a_demo_listing_name() -> None:
    names = listing_names()
    unmatched = [kind for kind, rx in load_kinds().items() if not any(rx.search(n) for n in names)]
    assert not unmatched, f"kinds in {KINDS_FILE.name} that match no listing in services.csv: {unmatched}"


def test_kinds_say_what_they_mean_on_real_names() -> None:
    kinds = load_kinds()

    def of(name: str) -> set[str]:
        return {k for k, rx in kinds.items() if rx.search(name)}

    assert "mens_shed" in of("Roker Men's Shed") and "mens_shed" in of("Roker Mens Shed")
    assert "bereavement" in of("Pallion Bereavement Support Group")
    assert "lunch_club" in of("Southwick Over-60s Lunch Club") and "older_only" in of("Southwick Over-60s Lunch Club")
    assert "carers" in of("Roker Carers' Coffee Morning") and "coffee_morning" in of("Roker Carers' Coffee Morning")
    assert "choir_music" not in of("Roker Housing Advice Surgery")  # "housing" is not singing
    assert "art" not in of("Hendon Arabic-Speaking Women's Group") and "art" in of("Hendon Art Club")
    assert "walking" in of("Hendon Health Walk") and "walking" not in of("Grindon Walking Football")
    assert "debt_money" not in of("City Centre Energy Bills Help") and "energy" in of("City Centre Energy Bills Help")
    assert "jobs" not in of("Fulwell Volunteering Drop-in") and "jobs" in of("Farringdon CV and Interview Help")
    assert "dads" in of("Castletown Dads' Group") and "baby" not in of("Castletown Dads' Group")


def test_the_scenario_files_are_where_the_runner_reads_them() -> None:
    assert {p.stem for p in SCENARIO_DIR.glob("*.yml")} >= {*SPLITS, "kinds"}
