"""Fixtures: throwaway SQLite databases, and one shared copy of the demo directory with postcodes.

Loading postcodes and the demo takes about two seconds, so it is done once per run into a
template file; tests that change data get their own copy of that file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from directory_testing import TODAY, open_engine
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from community_directory.demo import load_demo
from community_directory.geography import load_nspl


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("empty") / "empty.db"
    open_engine(path).dispose()
    return path


@pytest.fixture
def engine(empty_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "directory.db"
    shutil.copyfile(empty_template, path)
    engine = open_engine(path, create=False)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as s:
        yield s


@pytest.fixture
def fresh_session(empty_template: Path, tmp_path: Path) -> Iterator[Session]:
    """A second, empty database (round trips import into it)."""
    path = tmp_path / "second.db"
    shutil.copyfile(empty_template, path)
    engine = open_engine(path, create=False)
    with Session(engine) as s:
        yield s
    engine.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = open_engine(path)
    with Session(engine) as s:
        load_nspl(s)
        load_demo(s, TODAY)
    engine.dispose()  # checkpoints the WAL so the file can be copied
    return path


@pytest.fixture
def demo_session(demo_template: Path, tmp_path: Path) -> Iterator[Session]:
    """The demo directory with SR postcodes, in a copy this test may change."""
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    engine = open_engine(path, create=False)
    with Session(engine) as s:
        yield s
    engine.dispose()
