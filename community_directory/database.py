"""The one database engine factory: the application, the action server, the CLIs and the benchmark.

Everything that opens the database comes through `make_engine`, so the directory benchmark
measures the settings the live action server runs with. SQLite is the embedded default
(WAL, so the action server can write while the app reads; foreign keys on; a 30 s busy wait);
PostgreSQL works through the same URL setting. Nothing here is SQLite-only. The application
reaches this through bot/db.py; the dependency points from bot/ to the library, never back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from community_directory.models import Base

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'community_connect.db'}"
SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=30000",
    # 64 MB page cache per connection, filled only as pages are read: matching reads scattered rows.
    "PRAGMA cache_size=-65536",
    # Deleted rows are overwritten with zeros, not left in free pages: what "forget me" and retention
    # delete cannot be read back from the file (tests/e2e/test_forget_me_everywhere.py).
    "PRAGMA secure_delete=ON",
)


def database_url(explicit: str | None = None) -> str:
    """The URL given, else DATABASE_URL, else the file under var/ (the library's CLI has no settings)."""
    return explicit or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def make_engine(url: str) -> Engine:
    """A new engine for `url`, with the SQLite pragmas on every connection."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not url.startswith("sqlite://:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


_ENGINES: dict[str, Engine] = {}
_MAX_ENGINES = 8


def engine_for(url: str) -> Engine:
    """One shared engine (and connection pool) per URL in a process; the oldest is disposed past
    a handful, so a process that touches many databases (the tests) never leaks connections."""
    engine = _ENGINES.get(url)
    if engine is None:
        while len(_ENGINES) >= _MAX_ENGINES:
            _ENGINES.pop(next(iter(_ENGINES))).dispose()
        engine = _ENGINES[url] = make_engine(url)
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (before a database is copied, dropped or restored)."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def create_tables(engine: Engine) -> None:
    """Create the directory's tables if missing (development and tests; production uses Alembic)."""
    Base.metadata.create_all(engine)
