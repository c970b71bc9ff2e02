"""Shared fixtures: a real, migrated database per test (the same migrations `make run` applies).

Every test that takes `database_url` (or `session`) runs twice: on SQLite, the embedded default,
and on PostgreSQL, the scale-out engine, started from the machine's own binaries for this run
(bot/devtools/servers.py). `CC_TEST_DATABASES=sqlite` narrows a quick local run to SQLite;
`make test` always runs both, and a missing PostgreSQL fails the run rather than skipping it.
A test that is about one engine's behaviour asks for `sqlite_url` or `postgres_url` instead.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key-which-is-long-enough")

_TEMPLATE: dict[str, Path] = {}
_COUNTER = itertools.count()
ENGINES = [e.strip() for e in os.environ.get("CC_TEST_DATABASES", "sqlite,postgresql").split(",") if e.strip()]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """One PostgreSQL cluster for the run, with a migrated template database."""
    from bot.devtools.servers import PostgresServer
    from bot.migrate import upgrade

    server = PostgresServer().start()
    try:
        upgrade(server.create_database("cc_template"))
        yield server
    finally:
        server.stop()


def _sqlite_url(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> str:
    from bot.migrate import upgrade

    if "db" not in _TEMPLATE:
        template = tmp_path_factory.mktemp("template") / "template.db"
        upgrade(f"sqlite:///{template}")
        _TEMPLATE["db"] = template
    target = tmp_path / "test.db"
    shutil.copy(_TEMPLATE["db"], target)
    return f"sqlite:///{target}"


def _postgres_url(server) -> str:  # type: ignore[no-untyped-def]
    import psycopg

    from bot.db import dispose_engines

    name = f"cc_test_{os.getpid()}_{next(_COUNTER)}"
    dispose_engines()  # no pooled connection may hold the template open
    with psycopg.connect(f"host=127.0.0.1 port={server.port} user={server.user} dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE cc_template')
    return server.url(name)


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[str]:
    """A fresh database with every migration applied, on each engine in turn.

    When the test ends, every status and kind it stored must be one bot/statuses.py defines.
    """
    from tests.stored_values import unknown_values

    if request.param == "sqlite":
        url = _sqlite_url(tmp_path_factory, tmp_path)
    else:
        url = _postgres_url(request.getfixturevalue("postgres_server"))
    yield url
    assert unknown_values(url) == [], "values stored that bot/statuses.py does not define"


@pytest.fixture
def sqlite_url(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> str:
    return _sqlite_url(tmp_path_factory, tmp_path)


@pytest.fixture
def postgres_url(postgres_server) -> str:  # type: ignore[no-untyped-def]
    return _postgres_url(postgres_server)


@pytest.fixture
def session(database_url: str):  # type: ignore[no-untyped-def]
    from bot.db import session_factory

    with session_factory(database_url)() as s:
        yield s
