"""Database engine and sessions, shared by the application, the action server and the CLIs.

SQLite is the embedded default (WAL, so the action server can write while the app reads);
PostgreSQL works through the same URL setting. Nothing here is SQLite-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


_ENGINES: dict[str, Engine] = {}
_MAX_ENGINES = 8


def engine_for(url: str) -> Engine:
    """One engine (and pool) per URL per process; the oldest is disposed past a handful, so
    a process that touches many databases (the tests) never leaks connections."""
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
