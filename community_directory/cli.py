"""Command line for directory curators: python -m community_directory COMMAND ...

The database comes from --database-url, else DATABASE_URL, else var/community_connect.db in
the project. On SQLite the directory's tables are created if missing; on PostgreSQL run the
Alembic migrations first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from community_directory import verification
from community_directory.database import create_tables, database_url, make_engine
from community_directory.hsds_schema import OBJECTS
from community_directory.importing import ImportFailed, import_path


class _Bars:
    """tqdm bars for the importer's progress callback, one per file or table."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.stage: str | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if stage != self.stage:
            self.close()
            # delay: only imports that take a while get a bar
            self.bar = tqdm(total=total, desc=stage, unit="rows", leave=False, file=sys.stderr, delay=0.5)
            self.stage = stage
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[Session]:
    url = database_url(args.database_url)
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        create_tables(engine)
    try:
        with Session(engine) as session:
            yield session
    except (OperationalError, ProgrammingError) as exc:
        message = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise SystemExit(f"Database error: {message}. Has the migration been run on {engine.url!r}?") from exc
    finally:
        engine.dispose()


def _today(value: str | None) -> date:
    return date.fromisoformat(value) if value else date.today()


def cmd_import(args: argparse.Namespace) -> int:
    bars = _Bars(not args.quiet)
    with _session(args) as session:
        try:
            report = import_path(session, args.path, format=args.format, strict=args.strict, progress=bars)
        except ImportFailed as exc:
            bars.close()
            print(str(exc), file=sys.stderr)
            return 1
        bars.close()
    print(report.summary(max_problems=args.show))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    with _session(args) as session:
        try:
            report = import_path(session, args.path, format=args.format, strict=args.strict, dry_run=True)
        except ImportFailed as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(report.summary(max_problems=args.show))
    print("Nothing was written (validate is a dry run).")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from community_directory.exporting import export_csv_package, export_json

    with _session(args) as session:
        if args.format == "csv":
            report = export_csv_package(session, args.out)
        else:
            report = export_json(session, args.out, include_local=not args.no_local)
    print(report.summary())
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from community_directory.models import Postcode, Service, ServicePoint

    today = _today(args.today)
    with _session(args) as session:
        def count(query: Any) -> int:
            return session.execute(query).scalar_one()

        print("HSDS tables:")
        for obj in OBJECTS:
            print(f"  {obj.table.name:32s} {count(select(func.count()).select_from(obj.table)):>8}")
        print("Services:")
        for status, n in session.execute(select(Service.status, func.count()).group_by(Service.status)):
            print(f"  status {status:22s} {n:>8}")
        print(f"  {'full':29s} {count(select(func.count()).where(Service.is_full.is_(True))):>8}")
        print(f"  {'demo listings':29s} {count(select(func.count()).where(Service.is_demo.is_(True))):>8}")
        stale = verification.stale_listings(session, today)
        for state in ("flagged", "excluded", "never"):
            print(f"  {'verification ' + state:29s} {sum(1 for s in stale if s.state == state):>8}")
        located = count(select(func.count(func.distinct(ServicePoint.service_id)))
                        .where(ServicePoint.latitude.is_not(None), ServicePoint.need_key == ""))
        print(f"  {'with a place on the map':29s} {located:>8}")
        print(f"Postcodes loaded: {count(select(func.count()).select_from(Postcode))}")
    return 0


def cmd_load_postcodes(args: argparse.Namespace) -> int:
    from community_directory.geography import BUNDLED_NSPL, load_nspl

    bars = _Bars(not args.quiet)
    with _session(args) as session:
        report = load_nspl(session, args.csv or BUNDLED_NSPL, progress=bars)
    bars.close()
    print(f"Loaded {report.rows} postcodes ({report.live} live, {report.terminated} terminated, "
          f"{report.skipped} skipped).")
    return 0


def cmd_load_demo(args: argparse.Namespace) -> int:
    from community_directory.demo import load_demo

    with _session(args) as session:
        report = load_demo(session, _today(args.today))
    print(report.summary())
    return 0


def cmd_stale(args: argparse.Namespace) -> int:
    today = _today(args.today)
    with _session(args) as session:
        rows = verification.stale_listings(session, today, args.flag_months, args.grace_months)
    if not rows:
        print("Every active listing was confirmed in the last "
              f"{args.flag_months} months.")
        return 0
    print(f"{len(rows)} listings need checking (flagged after {args.flag_months} months, left out of "
          f"matching after {args.flag_months + args.grace_months}):")
    for row in rows:
        when = f"{row.verified_on} ({row.months_since} months ago)" if row.verified_on else "never confirmed"
        demo = " [demo]" if row.is_demo else ""
        print(f"  {row.state:8s} {when:28s} {row.name} - {row.organization}{demo} ({row.service_id})")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from community_directory.search_index import refresh_search_index

    with _session(args) as session:
        count = refresh_search_index(session)
        session.commit()
    print(f"Reindexed {count} services for matching.")
    return 0


def cmd_init_db(args: argparse.Namespace) -> int:
    engine = make_engine(database_url(args.database_url))
    create_tables(engine)
    print(f"Directory tables ready in {engine.url!r}.")
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    from community_directory.geography import lookup_place, lookup_postcode
    from community_directory.matching import MatchRequest, find_matches

    with _session(args) as session:
        lat = lon = None
        if args.postcode:
            place = lookup_place(args.postcode) or lookup_postcode(session, args.postcode)
            if place.message:
                print(place.message)
            lat, lon = place.lat, place.lon
        request = MatchRequest(
            needs=args.need or [], text=args.text or "", lat=lat, lon=lon, max_miles=args.miles, days=args.day or [],
            time_of_day=args.time, free_only=args.free, access=args.access or [], age=args.age,
            age_group=args.age_group, language=args.language, limit=args.limit, today=_today(args.today),
        )
        matches = find_matches(session, request)
    if not matches:
        print("No matches.")
    for i, m in enumerate(matches, 1):
        distance = f"{m.distance_miles:.1f} mi" if m.distance_miles is not None else "-"
        print(f"{i}. {m.name} ({m.organization}) [{distance}]\n   {m.when} | {m.where} | {m.cost}\n"
              f"   {m.how_to_join}\n   why: {', '.join(m.reasons)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m community_directory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: $DATABASE_URL or var/community_connect.db)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    for name, handler, help_text in (
        ("import", cmd_import, "Import an HSDS CSV data package or HSDS JSON file/folder (idempotent)."),
        ("validate", cmd_validate, "Check a package or JSON file: report what would happen, write nothing."),
    ):
        command = add(name, handler, help_text)
        command.add_argument("path", type=Path)
        command.add_argument("--format", choices=("auto", "csv", "json"), default="auto")
        command.add_argument("--strict", action="store_true", help="treat every problem as fatal")
        command.add_argument("--show", type=int, default=50, help="how many problems to list (default 50)")
        if name == "import":
            command.add_argument("--quiet", action="store_true", help="no progress bar")

    command = add("export", cmd_export, "Export the directory as an HSDS CSV package or HSDS JSON pages.")
    command.add_argument("--format", choices=("csv", "json"), required=True)
    command.add_argument("out", type=Path, help="folder to write")
    command.add_argument("--no-local", action="store_true", help="JSON without the local x_ fields")

    command = add("stats", cmd_stats, "Counts of listings, statuses, staleness and postcodes.")
    command.add_argument("--today", help="YYYY-MM-DD (default: today)")

    command = add("load-postcodes", cmd_load_postcodes, "Load an ONS NSPL/ONSPD CSV (default: the bundled SR file).")
    command.add_argument("csv", type=Path, nargs="?")
    command.add_argument("--quiet", action="store_true")

    command = add("load-demo", cmd_load_demo, "Load the fictional Sunderland demo directory.")
    command.add_argument("--today", help="YYYY-MM-DD the demo's verification dates are relative to")

    command = add("stale", cmd_stale, "Listings whose details have not been confirmed recently.")
    command.add_argument("--today", help="YYYY-MM-DD (default: today)")
    command.add_argument("--flag-months", type=int, default=verification.DEFAULT_FLAG_MONTHS)
    command.add_argument("--grace-months", type=int, default=verification.DEFAULT_GRACE_MONTHS)

    add("reindex", cmd_reindex, "Rebuild the matching index from the HSDS tables.")
    add("init-db", cmd_init_db, "Create the directory's tables (development; production uses Alembic).")

    command = add("match", cmd_match, "Try the matcher as the chatbot would call it.")
    command.add_argument("--postcode", help="postcode, outward code or Sunderland place name")
    command.add_argument("--need", action="append", help="need key (repeatable)")
    command.add_argument("--text", help="free text")
    command.add_argument("--day", action="append", help="monday..sunday, weekend, weekdays (repeatable)")
    command.add_argument("--time", choices=("morning", "afternoon", "evening"))
    command.add_argument("--free", action="store_true")
    command.add_argument("--access", action="append", choices=("wheelchair", "mobility", "no_transport"))
    command.add_argument("--age", type=int)
    command.add_argument("--age-group", choices=("young_people", "adults", "older_people"))
    command.add_argument("--language")
    command.add_argument("--miles", type=float)
    command.add_argument("--limit", type=int, default=3)
    command.add_argument("--today", help="YYYY-MM-DD (default: today)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
