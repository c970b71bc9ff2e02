"""The fictional Sunderland demo directory: reproducible, clearly fictional, and realistic."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from directory_testing import TODAY, row_counts
from sqlalchemy import select
from sqlalchemy.orm import Session

from community_directory.demo import DEMO_DATA_DIR, GENERATED_ON, catalogue, generate, load_demo
from community_directory.geography import BUNDLED_NSPL, distance_miles
from community_directory.models import Service
from community_directory.needs import NEED_KEYS
from community_directory.places import find_place


def read(name: str) -> list[dict[str, str]]:
    with (DEMO_DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def nspl() -> dict[str, dict[str, str]]:
    with BUNDLED_NSPL.open(newline="", encoding="utf-8") as handle:
        return {row["pcds"]: row for row in csv.DictReader(handle)}


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    assert generate.GENERATED_ON == GENERATED_ON
    generate.write_package(tmp_path)
    for path in sorted(DEMO_DATA_DIR.glob("*.csv")) + [DEMO_DATA_DIR / "datapackage.json"]:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_size_and_coverage_of_needs_and_areas() -> None:
    services = read("services.csv")
    assert len(services) >= 160
    terms = {t["id"]: t["code"] for t in read("taxonomy_terms.csv")}
    assert set(terms.values()) == NEED_KEYS
    covered = Counter(terms[a["taxonomy_term_id"]] for a in read("attributes.csv"))
    assert all(covered[key] >= 5 for key in NEED_KEYS), covered
    for area, _ in catalogue.AREAS:
        short = "City Centre" if area == "Sunderland city centre" else area
        assert sum(s["name"].startswith(short + " ") for s in services) >= 5, area


def test_every_listing_is_clearly_fictional() -> None:
    services = read("services.csv")
    assert all(s["x_is_demo"] == "true" for s in services)
    assert all("fictional listing" in s["description"] for s in services)
    assert all(o["name"].endswith("(demo)") for o in read("organizations.csv"))
    for phone in read("phones.csv"):
        assert re.fullmatch(r"0191 498 0\d{3}", phone["number"]), phone["number"]  # Ofcom drama range
    emails = [s["email"] for s in services if s["email"]] + [o["email"] for o in read("organizations.csv")]
    assert emails and all(e.endswith("@example.org") for e in emails)


def test_venues_are_at_real_live_postcodes_with_ons_coordinates(nspl: dict[str, dict[str, str]]) -> None:
    locations = {row["id"]: row for row in read("locations.csv")}
    for address in read("addresses.csv"):
        row = nspl[address["postal_code"]]
        assert row["doterm"] == "", address["postal_code"]
        location = locations[address["location_id"]]
        assert float(location["latitude"]) == float(row["lat"])
        assert float(location["longitude"]) == float(row["long"])


def test_realistic_variety() -> None:
    services = read("services.csv")
    costs = [c["amount"] for c in read("cost_options.csv")]
    assert costs.count("0") > len(costs) / 2 and {"1", "2", "3", "4"} & set(costs)
    assert any(s["minimum_age"] == "60" for s in services)
    assert any(s["maximum_age"] and int(s["maximum_age"]) <= 25 for s in services)
    assert any("children" in (s["eligibility_description"] or "") for s in services)
    assert {"ar", "pl", "ku"} <= {lang["code"] for lang in read("languages.csv")}
    access = " ".join(a["description"] for a in read("accessibility.csv"))
    assert "not wheelchair accessible" in access and "hearing loop" in access
    joins = " ".join(s["application_process"] for s in services)
    assert "Just turn up" in joins and "Call 0191 498" in joins and "@example.org" in joins
    statuses = Counter(s["status"] for s in services)
    assert statuses["active"] < len(services) and any(s["x_is_full"] == "true" for s in services)
    old = [s for s in services if s["x_last_verified_at"] < (GENERATED_ON - timedelta(days=365)).isoformat()]
    assert len(old) >= 3
    days = Counter(sc["byday"][-2:] for sc in read("schedules.csv"))
    assert len(days) == 7  # something on every day of the week


def test_load_demo_is_idempotent_and_moves_dates_to_today(session: Session) -> None:
    first = load_demo(session, TODAY)
    assert first.table("service").created >= 160 and first.skipped == []
    counts = row_counts(session)
    again = load_demo(session, TODAY)
    assert again.created == again.updated == 0 and row_counts(session) == counts
    walk = session.execute(select(Service).where(Service.name == "Hendon Health Walk")).scalar_one()
    assert walk.last_verified_at == TODAY - timedelta(days=30)


def test_demo_listings_sit_where_their_names_say() -> None:
    """A listing named after an area meets within 1.5 miles of where a resident naming that area is placed.

    Issue 15: "Hetton Silver Surfers" met 2.7 miles from Hetton, because Hetton's postcodes are not in
    the bundled SR file. The centre is the one the bot uses for the area's name (places.find_place).
    """
    for area, _ in catalogue.AREAS:
        assert find_place(area) is not None, f"the bot does not know the demo area {area}"
    locations = {row["id"]: row for row in read("locations.csv")}
    at = {row["service_id"]: locations[row["location_id"]] for row in read("service_at_location.csv")}
    shorts = sorted({"City Centre" if a == "Sunderland city centre" else a for a, _ in catalogue.AREAS},
                    key=len, reverse=True)
    checked, far = 0, []
    for service in read("services.csv"):
        area = next((s for s in shorts if service["name"].startswith(s + " ")), None)
        if area is None or service["id"] not in at:
            continue
        place = find_place(area)
        assert place is not None
        venue = at[service["id"]]
        miles = distance_miles(place.lat, place.lon, float(venue["latitude"]), float(venue["longitude"]))
        checked += 1
        if miles > 1.5:
            far.append(f"{service['name']}: {miles:.1f} miles from {place.name}")
    assert checked >= 150
    assert far == [], "\n".join(far)
