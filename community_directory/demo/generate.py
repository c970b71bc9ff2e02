"""Generates the fictional Sunderland demo directory (committed in demo/data/).

Deterministic: a fixed seed, fixed ids (UUID5) and a fixed generation date, so running it
again reproduces the committed files byte for byte (a test checks). Venues sit at real,
live SR postcodes with the ONS coordinates from the bundled NSPL extract. Phone numbers are
in Ofcom's drama range (0191 498 0000 to 0999) and email addresses use example.org.

    python -m community_directory.demo.generate [--out DIR]

The rows go through the normal importer into a scratch database and out through the normal
CSV exporter, so the package is exactly what `export --format csv` writes.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from community_directory.demo import catalogue as cat
from community_directory.exporting import export_csv_package
from community_directory.geography import BUNDLED_NSPL, distance_miles
from community_directory.ids import stable_id
from community_directory.importing import import_json_documents
from community_directory.models import Base
from community_directory.needs import NEEDS
from community_directory.schedules import read_schedule
from community_directory.taxonomy import taxonomy_row, term_id, term_rows

GENERATED_ON = date(2026, 11, 1)
SEED = 20261101
DATA_DIR = Path(__file__).parent / "data"
DEMO_SENTENCE = "This is a fictional listing in the Community Connect demo directory: the group does not exist."
SUNDERLAND = "E08000024"
LISTINGS_PER_AREA = 7
LANGUAGE_NAMES = {"en": "English", "ar": "Arabic", "ku": "Kurdish", "fa": "Farsi", "pl": "Polish"}
VENUE_SLOTS = {"centre": 0, "hub": 2, "church": 4, "park": 6, "family": 8}  # nth-nearest postcode


uid = stable_id  # every demo row id is stable, so the files come out the same each time


def slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


@dataclass(frozen=True)
class Fixed:
    """A hand-placed listing the matching tests rely on."""

    area: str
    activity: str
    name: str
    day: str
    times: tuple[str, str] | None = None
    cost: float | None | str = "default"
    status: str = "active"
    is_full: bool = False
    verified_days_ago: int = 30


# Hand-placed listings: Hendon has a Tuesday-morning walk next to a paid class, an upstairs
# craft group, two near-identical coffee mornings (fair spread), and one listing nobody has
# checked for 14 months; elsewhere an inactive, a full and a flagged (7 months) listing.
FIXED: tuple[Fixed, ...] = (
    Fixed("Hendon", "health_walk", "Hendon Health Walk", "TU", ("10:00", "11:00")),
    Fixed("Hendon", "gentle_yoga", "Hendon Chair Yoga", "TU", ("10:30", "11:30"), cost=3.0),
    Fixed("Hendon", "knit", "Hendon Knit and Natter", "TH", ("13:00", "15:00")),
    Fixed("Hendon", "art", "Hendon Art Club", "WE", ("10:00", "12:00"), cost=2.0),
    Fixed("Hendon", "coffee_morning", "Hendon Coffee Morning", "WE", ("10:00", "11:30"), cost=0.0),
    Fixed("Hendon", "friendship", "Hendon Chatterbox Cafe", "WE", ("10:30", "12:00")),
    Fixed("Hendon", "games", "Hendon Scrabble Club", "MO", ("13:30", "15:30"), verified_days_ago=425),
    Fixed("Sunderland city centre", "friendship", "City Centre Conversation Cafe", "TH", ("10:00", "12:00"),
          verified_days_ago=215),
    Fixed("Millfield", "lunch_club", "Millfield Lunch Club", "WE", ("12:00", "14:00"), status="inactive"),
    Fixed("Roker", "choir", "Roker Singing for Wellbeing", "MO", ("19:00", "20:30"), is_full=True),
    Fixed("Millfield", "arabic_women", "Millfield Arabic-Speaking Women's Group", "WE", ("10:00", "12:00")),
)
# The Hendon venues the fixed listings need: step-free centre and church, upstairs hub, flat walk.
FIXED_ACCESS = {
    ("Hendon", "centre"): cat.ACCESSIBLE + cat.HEARING_LOOP,
    ("Hendon", "hub"): cat.UPSTAIRS,
    ("Hendon", "church"): "Ramp at the side entrance and an accessible toilet; wheelchair accessible.",
    ("Hendon", "park"): cat.FLAT_ROUTE,
}


def venue_postcodes(nspl: Path = BUNDLED_NSPL) -> dict[str, list[tuple[str, float, float]]]:
    """For each area, the nearest live, placed postcodes (Sunderland's own first)."""
    live: list[tuple[str, float, float, bool]] = []
    with nspl.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["doterm"] or not row["lat"] or row["lat"].startswith("99.9"):
                continue
            live.append((row["pcds"], float(row["lat"]), float(row["long"]), row["laua"] == SUNDERLAND))
    out = {}
    for area, (lat, lon) in cat.AREAS:
        ranked = sorted(live, key=lambda p: (not p[3], round(distance_miles(lat, lon, p[1], p[2]), 3), p[0]))
        out[area] = [(p[0], p[1], p[2]) for p in ranked[:12]]
    return out


class Builder:
    def __init__(self, postcodes: dict[str, list[tuple[str, float, float]]]) -> None:
        self.rng = random.Random(SEED)
        self.postcodes = postcodes
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.orgs: dict[str, tuple[str, str, str]] = {}  # key -> (id, phone, email)
        self.venues: dict[tuple[str, str], str] = {}
        self.next_phone = 100
        self.terms = {n.key: term_id(n.key) for n in NEEDS}
        self.stamp = datetime.combine(GENERATED_ON, datetime.min.time(), tzinfo=timezone.utc).isoformat()

    # -- shared rows --------------------------------------------------------------------------

    def taxonomy(self) -> None:
        """The needs taxonomy, as the library defines it (community_directory/taxonomy.py)."""
        self.rows["taxonomies.csv"].append(taxonomy_row())
        self.rows["taxonomy_terms.csv"].extend(term_rows())

    def phone_number(self) -> str:
        number = f"0191 498 {self.next_phone:04d}"
        self.next_phone += 1
        assert self.next_phone <= 999, "ran out of Ofcom drama numbers"
        return number

    def organization(self, key: str, name: str, description: str) -> tuple[str, str, str]:
        if key not in self.orgs:
            org_id = uid("organization", key)
            phone, email = self.phone_number(), f"{slug(name.replace('(demo)', ''))}@example.org"
            self.rows["organizations.csv"].append({
                "id": org_id, "name": name, "email": email,
                "description": f"{description} A fictional organisation in the Community Connect demo directory.",
            })
            self.rows["phones.csv"].append({"id": uid("phone", "organization", key), "organization_id": org_id,
                                            "number": phone, "type": "voice"})
            self.orgs[key] = (org_id, phone, email)
        return self.orgs[key]

    def venue(self, area: str, kind: str) -> str:
        if (area, kind) not in self.venues:
            spec = cat.VENUES[kind]
            pcds, lat, lon = self.postcodes[area][VENUE_SLOTS[kind]]
            location_id = uid("location", area, kind)
            name = spec.name.format(area="City Centre" if area == "Sunderland city centre" else area)
            self.rows["locations.csv"].append({
                "id": location_id, "location_type": "physical", "name": name,
                "description": f"{spec.description} A fictional venue in the Community Connect demo directory.",
                "latitude": lat, "longitude": lon,
            })
            self.rows["addresses.csv"].append({
                "id": uid("address", area, kind), "location_id": location_id, "address_1": name,
                "city": "Sunderland", "state_province": "Tyne and Wear", "postal_code": pcds, "country": "GB",
                "address_type": "physical",
            })
            access = FIXED_ACCESS.get((area, kind)) or self.rng.choice(spec.access_options)
            self.rows["accessibility.csv"].append({
                "id": uid("accessibility", area, kind), "location_id": location_id, "description": access,
            })
            self.venues[(area, kind)] = location_id
        return self.venues[(area, kind)]

    # -- listings -----------------------------------------------------------------------------

    def listing(self, area: str, activity: cat.Activity, *, name: str | None = None, day: str | None = None,
                times: tuple[str, str] | None = None, cost: float | None | str = "default",
                status: str = "active", is_full: bool = False, verified_days_ago: int | None = None) -> None:
        rng = self.rng
        short_area = "City Centre" if area == "Sunderland city centre" else area
        name = name or f"{short_area} {activity.name}"
        service_id = uid("service", area, name)
        if activity.network:
            org_name, org_description = cat.NETWORKS[activity.network]
            org_id, phone, org_email = self.organization(activity.network, org_name, org_description)
        else:
            org_id, phone, org_email = self.organization(f"{area}/{name}", f"{name} (demo)",
                                                         f"A volunteer-run group in {short_area}.")
        email = f"{slug(name)}@example.org"
        amount = rng.choice(activity.cost) if isinstance(cost, str) else cost  # the only text is "default"
        day = day or rng.choice(activity.days)
        times = times or rng.choice(activity.times)
        if verified_days_ago is None:
            verified_days_ago = rng.randint(3, 150)
        join = {
            "turn_up": "Just turn up, no need to book.",
            "phone": f"Call {phone} to book your first visit.",
            "email": f"Email {email} to book a place.",
            "referral": f"You need a referral voucher: ask your GP or a link worker, or call {phone}.",
        }[activity.join]
        self.rows["services.csv"].append({
            "id": service_id, "organization_id": org_id, "name": name,
            "description": f"{activity.description} {DEMO_SENTENCE}",
            "email": email, "status": status, "application_process": join,
            "fees_description": self._fees(amount, activity.amount_description),
            "eligibility_description": activity.eligibility,
            "minimum_age": activity.min_age, "maximum_age": activity.max_age,
            "last_modified": self.stamp,
            "x_last_verified_at": (GENERATED_ON - timedelta(days=verified_days_ago)).isoformat(),
            "x_verified_by": "Demo curator", "x_is_full": is_full, "x_is_demo": True,
        })
        self.rows["phones.csv"].append({"id": uid("phone", "service", service_id), "service_id": service_id,
                                        "number": phone, "type": "voice"})
        self._cost(service_id, amount, activity.amount_description)
        self._schedule(service_id, activity, day, times)
        self._needs(service_id, activity.needs)
        self._languages(service_id, activity.languages)
        if activity.venue != "none":
            location_id = self.venue(area, activity.venue)
            self.rows["service_at_location.csv"].append({
                "id": uid("service_at_location", service_id), "service_id": service_id, "location_id": location_id,
            })

    def phone_service(self, spec: dict[str, Any]) -> None:
        org_name, org_description = cat.NETWORKS[spec["network"]]
        org_id, phone, _ = self.organization(spec["network"], org_name, org_description)
        service_id = uid("service", "phone", spec["key"])
        opens, closes = spec["times"]
        self.rows["services.csv"].append({
            "id": service_id, "organization_id": org_id, "name": spec["name"],
            "description": f"{spec['description']} {DEMO_SENTENCE}", "status": "active",
            "application_process": f"Call {phone}.", "fees_description": "Free",
            "eligibility_description": spec["eligibility"], "minimum_age": spec["min_age"],
            "last_modified": self.stamp,
            "x_last_verified_at": (GENERATED_ON - timedelta(days=self.rng.randint(3, 90))).isoformat(),
            "x_verified_by": "Demo curator", "x_is_full": False, "x_is_demo": True,
        })
        self.rows["phones.csv"].append({"id": uid("phone", "service", service_id), "service_id": service_id,
                                        "number": phone, "type": "voice"})
        self.rows["service_areas.csv"].append({"id": uid("service_area", service_id), "service_id": service_id,
                                               "name": "City of Sunderland"})
        self._cost(service_id, 0.0, "")
        self.rows["schedules.csv"].append({
            "id": uid("schedule", service_id), "service_id": service_id, "freq": "WEEKLY", "wkst": "MO",
            "byday": spec["days"], "opens_at": opens, "closes_at": closes,
            "description": "Phone lines open at these times.",
        })
        self._needs(service_id, spec["needs"])

    @staticmethod
    def _fees(amount: float | None, per: str) -> str:
        if amount is None:
            return "Pay as you feel; nobody is turned away."
        if amount == 0:
            return "Free"
        pounds = f"£{amount:.0f}" if float(amount).is_integer() else f"£{amount:.2f}"
        return f"{pounds} {per}".strip()

    def _cost(self, service_id: str, amount: float | None, per: str) -> None:
        self.rows["cost_options.csv"].append({
            "id": uid("cost_option", service_id), "service_id": service_id, "currency": "GBP", "amount": amount,
            "amount_description": self._fees(amount, per),
        })

    def _schedule(self, service_id: str, activity: cat.Activity, day: str, times: tuple[str, str]) -> None:
        freq, interval, byday = "WEEKLY", 1, day
        if activity.freq == "FORTNIGHTLY":
            interval = 2
        elif activity.freq == "MONTHLY":
            freq, byday = "MONTHLY", f"{self.rng.choice((1, 2, 3))}{day}"
        row = {
            "id": uid("schedule", service_id), "service_id": service_id, "freq": freq, "interval": interval,
            "wkst": "MO", "byday": byday, "opens_at": times[0], "closes_at": times[1],
        }
        label = read_schedule(SimpleNamespace(valid_from=None, valid_to=None, description=None, **row))
        row["description"] = label.label if label else None
        self.rows["schedules.csv"].append(row)

    def _needs(self, service_id: str, needs: tuple[str, ...]) -> None:
        for need in needs:
            self.rows["attributes.csv"].append({
                "id": uid("attribute", service_id, need), "link_id": service_id, "link_type": "need",
                "link_entity": "service", "taxonomy_term_id": self.terms[need],
            })

    def _languages(self, service_id: str, codes: tuple[str, ...]) -> None:
        for code in ("en", *codes) if codes else ():
            self.rows["languages.csv"].append({
                "id": uid("language", service_id, code), "service_id": service_id, "code": code,
                "name": LANGUAGE_NAMES[code], "note": "Spoken at the group" if code != "en" else None,
            })


def _deck(rng: random.Random) -> Iterator[cat.Activity]:
    """Activities in shuffled rounds, so every kind of group turns up somewhere."""
    while True:
        round_ = list(cat.ACTIVITIES)
        rng.shuffle(round_)
        yield from round_


def build_rows(nspl: Path = BUNDLED_NSPL) -> dict[str, list[dict[str, Any]]]:
    builder = Builder(venue_postcodes(nspl))
    builder.taxonomy()
    by_key = {a.key: a for a in cat.ACTIVITIES}
    fixed_keys: dict[str, set[str]] = defaultdict(set)
    for spec in FIXED:
        builder.listing(spec.area, by_key[spec.activity], name=spec.name, day=spec.day, times=spec.times,
                        cost=spec.cost, status=spec.status, is_full=spec.is_full,
                        verified_days_ago=spec.verified_days_ago)
        fixed_keys[spec.area].add(spec.activity)
    deck = _deck(builder.rng)
    for area, _ in cat.AREAS:
        chosen: list[cat.Activity] = []
        while len(chosen) < LISTINGS_PER_AREA:
            activity = next(deck)
            elsewhere = bool(activity.areas) and area not in activity.areas
            if activity in chosen or activity.key in fixed_keys[area] or elsewhere:
                continue
            chosen.append(activity)
        for activity in cat.ACTIVITIES:  # area-only activities always go where they belong
            if area in activity.areas and activity not in chosen:
                chosen.append(activity)
        for activity in chosen:
            roll = builder.rng.random()
            builder.listing(
                area, activity,
                status="temporarily closed" if roll < 0.015 else "active",
                is_full=0.015 <= roll < 0.035,
                verified_days_ago=builder.rng.randint(390, 700) if 0.035 <= roll < 0.05 else
                builder.rng.randint(190, 260) if 0.05 <= roll < 0.08 else None,
            )
    for phone_spec in cat.PHONE_SERVICES:
        builder.phone_service(phone_spec)
    return builder.rows


def write_package(folder: Path = DATA_DIR, nspl: Path = BUNDLED_NSPL) -> int:
    """Generate and write the package; returns the number of listings."""
    rows = build_rows(nspl)
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/demo.db")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            report = import_json_documents(session, [("demo", dict(rows))], strict=True)
            export_csv_package(session, folder)
        engine.dispose()
    return report.table("service").created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="folder to write (default: demo/data)")
    args = parser.parse_args()
    count = write_package(args.out)
    print(f"Wrote {count} demo listings to {args.out}")


if __name__ == "__main__":
    main()
