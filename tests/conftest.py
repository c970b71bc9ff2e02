"""Shared fixtures: a real, migrated SQLite database per test (the same migrations `make run` applies)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key-which-is-long-enough")

_TEMPLATE: dict[str, Path] = {}


@pytest.fixture
def database_url(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[str]:
    """A fresh database with every migration applied (migrated once per run, then copied).

    When the test ends, every status and kind it stored must be one bot/statuses.py defines.
    """
    from bot.migrate import upgrade
    from tests.stored_values import unknown_values

    if "db" not in _TEMPLATE:
        template = tmp_path_factory.mktemp("template") / "template.db"
        upgrade(f"sqlite:///{template}")
        _TEMPLATE["db"] = template
    target = tmp_path / "test.db"
    shutil.copy(_TEMPLATE["db"], target)
    url = f"sqlite:///{target}"
    yield url
    assert unknown_values(url) == [], "values stored that bot/statuses.py does not define"


@pytest.fixture
def session(database_url: str):
    from bot.db import session_factory

    with session_factory(database_url)() as s:
        yield s
