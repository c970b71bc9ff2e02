"""Shared helpers for the community_directory tests (imported by name: the tests folder has no package)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from community_directory.database import create_tables, make_engine
from community_directory.hsds_schema import OBJECTS

# A copy of the published HSDS 3.0 examples, in the repository so a fresh clone has them.
HSDS_EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds" / "examples"
EXAMPLE_CSV = HSDS_EXAMPLES / "csv"
TODAY = date(2026, 11, 23)  # the demo's verification dates are moved relative to this


def open_engine(path: Path, create: bool = True) -> Engine:
    """The product's SQLite engine (foreign keys on), minus fsyncs: test data need not survive a crash."""
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    if create:
        create_tables(engine)
    return engine


def snapshot(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every HSDS row (local operational columns aside), for comparing two databases."""
    out = {}
    for obj in OBJECTS:
        columns = [c for c in obj.table.c if not c.info.get("internal")]
        rows = session.execute(select(*columns).order_by(obj.table.c.id)).all()
        out[obj.name] = [tuple(r) for r in rows]
    return out


def row_counts(session: Session) -> dict[str, int]:
    return {name: len(rows) for name, rows in snapshot(session).items()}
