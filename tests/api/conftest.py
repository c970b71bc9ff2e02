"""One app over a copy of the demo directory per test module: the API only reads, so tests share it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy.orm import Session

from bot.db import session_factory
from community_directory.schemas import SCHEMA_DIR
from tests.api.directory_app import demo_database, make_app


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _retrieve(uri: str) -> Resource:
    # The per-object schemas point at each other by file name ("metadata.json").
    return DRAFT202012.create_resource(_schema(uri.rsplit("/", 1)[-1].removesuffix(".json")))


@cache
def validator(name: str) -> Draft202012Validator:
    """The official HSDS 3.0 schema `name` ("compiled/service", "taxonomy_term"), refs resolved."""
    return Draft202012Validator(_schema(name), registry=Registry(retrieve=_retrieve), format_checker=FormatChecker())


def assert_valid(name: str, document: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(document)]
    assert errors == [], errors[:5]


@pytest.fixture(scope="module")
def api_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("api")
    return demo_database(tmp_path_factory.getbasetemp(), folder / "api.db")


@pytest.fixture(scope="module")
def client(api_db: str) -> Iterator[TestClient]:
    with TestClient(make_app(api_db)) as c:
        yield c


@pytest.fixture
def db(api_db: str) -> Iterator[Session]:
    """A session on the module's database, for working out what the API should answer."""
    with session_factory(api_db)() as s:
        yield s
