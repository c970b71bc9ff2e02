"""The HSDS 3.0 JSON Schemas shipped with the package (see README.md for source and licence)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).parent


@cache
def load_schema(name: str) -> dict[str, Any]:
    """load_schema("compiled/service") or load_schema("phone")."""
    path = SCHEMA_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def validator(name: str) -> Any:
    """A jsonschema validator (draft 2020-12, with format checks) for a shipped schema."""
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(load_schema(name), format_checker=FormatChecker())
