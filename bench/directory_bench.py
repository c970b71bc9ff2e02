"""Community directory benchmark: matching over 100,000 listings, and import throughput.

    python bench/directory_bench.py [--services 100000] [--queries 200] [--import-services 20000]

1. Generates N services (with organisations, locations, schedules, costs, accessibility and
   need classifications) straight into a temporary SQLite database. A third of them sit in
   the North East and about 5,000 in Sunderland itself, so the bot's queries (all from real
   SR postcodes) face far more nearby candidates than a real directory would give them.
   The database is opened by the one engine factory (community_directory/database.py) the
   application and action server use, so the SQLite settings measured are the live ones.
2. Runs ~200 typical bot queries through matching.find_matches and reports p50/p95/max
   (their words read for named kinds, as the actions do, so the full-text index is used).
3. Exports a smaller generated directory as an HSDS CSV package and times importing it into
   an empty database (rows per second, including the matching index refresh).

Not a test: it prints a table. Takes a couple of minutes on two cores.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from community_directory.database import create_tables, make_engine  # noqa: E402
from community_directory.exporting import export_csv_package  # noqa: E402
from community_directory.geography import BUNDLED_NSPL  # noqa: E402
from community_directory.importing import import_path  # noqa: E402
from community_directory.kinds import kinds_in_text  # noqa: E402
from community_directory.matching import MatchRequest, find_matches  # noqa: E402
from community_directory.models import (  # noqa: E402
    Accessibility,
    Address,
    Attribute,
    CostOption,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from community_directory.needs import NEEDS  # noqa: E402
from community_directory.search_index import refresh_search_index  # noqa: E402
from community_directory.taxonomy import taxonomy_row, term_rows  # noqa: E402

TODAY = date(2026, 11, 23)
SUNDERLAND = (54.9059, -1.3826)
ACTIVITIES = ("Friendship Group", "Health Walk", "Knit and Natter", "Coffee Morning", "Advice Drop-in",
              "Community Pantry", "Job Club", "Digital Drop-in", "Carers' Group", "Wellbeing Cafe",
              "Stay and Play", "Community Garden", "Choir", "Chair Exercise", "Reading Group")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
TIMES = (("10:00", "12:00"), ("13:00", "15:00"), ("18:00", "20:00"), ("09:30", "11:00"))
ACCESS = ("Step-free entrance; wheelchair accessible.", "Upstairs with no lift, so not wheelchair accessible.",
          "Hearing loop in the main hall.")
LANGUAGES_SAID = ("arabic", "polish", "kurdish", None)


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def live_sr_postcodes() -> list[tuple[float, float]]:
    with BUNDLED_NSPL.open(newline="", encoding="utf-8") as handle:
        return [(float(r["lat"]), float(r["long"])) for r in csv.DictReader(handle)
                if not r["doterm"] and r["lat"] and not r["lat"].startswith("99.9") and r["laua"] == "E08000024"]


def _place(rng: random.Random, sunderland_points: list[tuple[float, float]], towns: list[tuple[float, float]],
           share_sunderland: float) -> tuple[float, float]:
    roll = rng.random()
    if roll < share_sunderland:
        lat, lon = rng.choice(sunderland_points)
        return lat + rng.gauss(0, 0.002), lon + rng.gauss(0, 0.003)
    if roll < 0.33:  # rest of the North East
        return rng.uniform(54.5, 55.1), rng.uniform(-2.0, -1.3)
    lat, lon = rng.choice(towns)
    return lat + rng.gauss(0, 0.05), lon + rng.gauss(0, 0.08)


def generate(session: Session, services: int, seed: int, share_sunderland: float) -> int:
    """Insert a synthetic directory with Core bulk inserts; returns rows written."""
    rng = random.Random(seed)
    points = live_sr_postcodes()
    towns = [(rng.uniform(50.6, 55.4), rng.uniform(-3.3, 1.3)) for _ in range(150)]
    session.execute(insert(Taxonomy), [taxonomy_row()])  # the needs taxonomy the app and the demo use
    session.execute(insert(TaxonomyTerm), term_rows())
    terms = {row["code"]: row["id"] for row in term_rows()}
    need_keys = list(terms)
    rows = 1 + len(terms)
    stamp = datetime(2026, 11, 1, tzinfo=timezone.utc)
    batch = 5000
    for start in range(0, services, batch):
        n = min(batch, services - start)
        table: dict[type, list[dict[str, object]]] = {m: [] for m in (
            Organization, Service, Location, ServiceAtLocation, Address, Schedule, CostOption, Accessibility,
            Attribute, Phone)}
        org_id = None
        for i in range(n):
            if i % 5 == 0 or org_id is None:
                org_id = _uid(rng)
                table[Organization].append({"id": org_id, "name": f"Organisation {start + i}"})
            sid, lid = _uid(rng), _uid(rng)
            activity = rng.choice(ACTIVITIES)
            lat, lon = _place(rng, points, towns, share_sunderland)
            amount = rng.choice((0.0, 0.0, 0.0, 2.0, 3.5))
            roll = rng.random()
            table[Service].append({
                "id": sid, "organization_id": org_id, "name": f"{activity} {start + i}",
                "description": f"A weekly {activity.lower()} for local people.", "status":
                    "inactive" if roll < 0.03 else "active", "is_full": 0.03 <= roll < 0.05, "is_demo": True,
                "minimum_age": rng.choice((None, None, None, 18, 60)), "maximum_age": None,
                "application_process": "Just turn up.", "last_modified": stamp,
                "last_verified_at": TODAY - timedelta(days=rng.randint(1, 400)),
                "referral_count": 0, "recent_referrals": 0.0,
            })
            table[Location].append({"id": lid, "location_type": "physical", "name": f"Venue {start + i}",
                                    "latitude": lat, "longitude": lon})
            table[Address].append({"id": _uid(rng), "location_id": lid, "address_1": f"Venue {start + i}",
                                   "city": "Somewhere", "postal_code": "SR1 3SD", "country": "GB"})
            table[ServiceAtLocation].append({"id": _uid(rng), "service_id": sid, "location_id": lid})
            for _ in range(rng.choice((1, 1, 2))):
                opens, closes = rng.choice(TIMES)
                table[Schedule].append({"id": _uid(rng), "service_id": sid, "freq": "WEEKLY",
                                        "byday": rng.choice(DAYS), "opens_at": opens, "closes_at": closes})
            table[CostOption].append({"id": _uid(rng), "service_id": sid, "amount": amount, "currency": "GBP"})
            table[Accessibility].append({"id": _uid(rng), "location_id": lid, "description": rng.choice(ACCESS)})
            for key in rng.sample(need_keys, rng.choice((1, 2, 2, 3))):
                table[Attribute].append({"id": _uid(rng), "link_id": sid, "link_entity": "service",
                                         "taxonomy_term_id": terms[key]})
            table[Phone].append({"id": _uid(rng), "service_id": sid, "number": f"0191 498 0{rng.randint(0, 999):03d}"})
        for model in (Organization, Service, Location, ServiceAtLocation, Address, Schedule, CostOption,
                      Accessibility, Attribute, Phone):
            if table[model]:
                session.execute(insert(model), table[model])
                rows += len(table[model])
    session.commit()
    return rows


def bot_queries(count: int, seed: int) -> list[MatchRequest]:
    rng = random.Random(seed)
    points = live_sr_postcodes()
    requests = []
    for _ in range(count):
        lat, lon = rng.choice(points)
        needs = rng.sample([n.key for n in NEEDS], rng.choice((1, 1, 1, 2)))
        said = rng.choice(("", "", "something friendly", "walking group", "help with bills"))
        requests.append(MatchRequest(
            needs=needs, lat=lat, lon=lon, today=TODAY,
            text=said, kinds=kinds_in_text(said),  # as the actions read them (request_text)
            days=rng.choice(([], [], [], ["tuesday"], ["weekend"], ["weekdays"])),
            time_of_day=rng.choice((None, None, None, "morning", "afternoon", "evening")),
            free_only=rng.random() < 0.25,
            access=["wheelchair"] if rng.random() < 0.1 else [],
            age_group=rng.choice((None, None, None, "older_people", "adults")),
            language=rng.choice(LANGUAGES_SAID) if rng.random() < 0.1 else None,
            max_miles=rng.choice((None, None, None, 5.0)),
        ))
    return requests


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--import-services", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results: list[tuple[str, str]] = []

    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/bench.db")
        create_tables(engine)
        with Session(engine) as session:
            started = time.perf_counter()
            rows = generate(session, args.services, args.seed, share_sunderland=0.05)
            generated = time.perf_counter() - started
            started = time.perf_counter()
            refresh_search_index(session)
            session.execute(text("ANALYZE"))
            session.commit()
            indexed = time.perf_counter() - started
            results += [("services generated", f"{args.services:,} ({rows:,} rows, {generated:.1f} s)"),
                        ("matching index built", f"{indexed:.1f} s")]

            requests = bot_queries(args.queries, args.seed)
            find_matches(session, requests[0])  # warm caches, as a running server would be
            timings, found = [], []
            for request in requests:
                started = time.perf_counter()
                matches = find_matches(session, request)
                timings.append((time.perf_counter() - started) * 1000)
                found.append(len(matches))
                session.expunge_all()
            results += [
                ("bot queries", f"{len(requests)} (mean {statistics.mean(found):.1f} results, "
                                f"{sum(1 for f in found if f == 0)} with none)"),
                ("search+rank p50", f"{percentile(timings, 0.50):.1f} ms"),
                ("search+rank p95", f"{percentile(timings, 0.95):.1f} ms"),
                ("search+rank max", f"{max(timings):.1f} ms"),
            ]
        engine.dispose()

        source = make_engine(f"sqlite:///{scratch}/source.db")
        create_tables(source)
        with Session(source) as session:
            generate(session, args.import_services, args.seed + 1, share_sunderland=0.05)
            export_csv_package(session, Path(scratch) / "package")
        source.dispose()
        package_rows = sum(max(sum(1 for _ in p.open(encoding="utf-8")) - 1, 0)
                           for p in (Path(scratch) / "package").glob("*.csv"))
        target = make_engine(f"sqlite:///{scratch}/target.db")
        create_tables(target)
        with Session(target) as session:
            started = time.perf_counter()
            report = import_path(session, Path(scratch) / "package")
            seconds = time.perf_counter() - started
        target.dispose()
        results += [
            ("import package", f"{args.import_services:,} services, {package_rows:,} rows"),
            ("import time", f"{seconds:.1f} s ({report.created:,} created, {len(report.skipped)} problems)"),
            ("import throughput", f"{package_rows / seconds:,.0f} rows/s"),
        ]

    width = max(len(name) for name, _ in results)
    print(f"\n{'Community directory benchmark':{width}}  (SQLite, {date.today()})")
    print("-" * (width + 50))
    for name, value in results:
        print(f"{name:{width}}  {value}")


if __name__ == "__main__":
    main()
