"""The one database engine factory: the application, the action server, the CLIs and the benchmark.

Everything that opens the database comes through `make_engine`, so the directory benchmark
measures the settings the live action server runs with. SQLite is the embedded default
(WAL, so the action server can write while the app reads; foreign keys on; a 30 s busy wait);
PostgreSQL works through the same URL setting. Nothing here is SQLite-only. The application
reaches this through bot/db.py; the dependency points from bot/ to the library, never back.

Every commit is on disk when it returns (SQLite's synchronous=FULL: one fsync per commit), except
on an engine asked for `durable_commits=False`: there a SQLite commit in WAL mode is safe from a
crash of the process but could be rolled back by a power cut, until `sync_to_disk` (one fsync of
the WAL, which holds every commit before it) has run. The gateway uses that to pay one fsync for
many messages, and never before a webhook is answered or a message leaves (bot/db.py, DiskSync).
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


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for other engines and in-memory databases."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    if not path or path == ":memory:" or url.startswith("sqlite://:") or "///" not in url:
        return None
    return Path(path.split("?", 1)[0])


def make_engine(url: str, *, durable_commits: bool = True) -> Engine:
    """A new engine for `url`, with the SQLite pragmas on every connection.

    `durable_commits=False` (SQLite in WAL mode only; see the module docstring): commits skip
    their fsync and the caller runs `sync_to_disk` before anything depends on them surviving a
    power cut. Other engines ignore it.
    """
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
            # Only in WAL mode: there NORMAL can lose a commit to a power cut but never corrupts.
            if not durable_commits and cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def sync_to_disk(url: str) -> None:
    """Make every commit so far on this database survive a power cut (blocking: one fsync).

    In WAL mode a commit appends to the `-wal` file and returns; with synchronous=NORMAL it is
    not yet flushed. An fsync of that file is what synchronous=FULL would have done at the commit,
    and covers every commit before it, from any connection. With no WAL file there is nothing
    unsynced (SQLite syncs the database when it checkpoints and removes the WAL). Other engines
    commit durably already: nothing to do.
    """
    path = sqlite_file(url)
    if path is None:
        return
    try:
        fd = os.open(f"{path}-wal", os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_ENGINES: dict[tuple[str, bool], Engine] = {}
_MAX_ENGINES = 8


def engine_for(url: str, *, durable_commits: bool = True) -> Engine:
    """One shared engine (and connection pool) per URL in a process; the oldest is disposed past
    a handful, so a process that touches many databases (the tests) never leaks connections."""
    key = (url, durable_commits or not url.startswith("sqlite"))  # only SQLite has two kinds
    engine = _ENGINES.get(key)
    if engine is None:
        while len(_ENGINES) >= _MAX_ENGINES:
            _ENGINES.pop(next(iter(_ENGINES))).dispose()
        engine = _ENGINES[key] = make_engine(url, durable_commits=durable_commits)
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (before a database is copied, dropped or restored)."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


def session_factory(url: str, *, durable_commits: bool = True) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url, durable_commits=durable_commits), expire_on_commit=False)


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
