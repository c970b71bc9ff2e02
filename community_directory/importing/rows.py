"""Turning one raw record (CSV row or flattened JSON object) into typed column values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from community_directory import values as v
from community_directory.hsds_schema import HsdsObject, column_kind
from community_directory.models import ID_LENGTH


@dataclass
class Record:
    """A raw record: where it came from and its values keyed by file field name."""

    where: str
    values: dict[str, Any]


def _parse_enum(allowed: tuple[str, ...], case: str) -> Callable[[Any], str | None]:
    def parse(value: Any) -> str | None:
        text = v.parse_text(value)
        if text is None:
            return None
        normalised = text.strip().lower() if case == "lower" else text.strip().upper()
        if normalised not in allowed:
            raise v.BadValue(f"expected one of {', '.join(allowed)}, found {text!r}")
        return normalised

    return parse


def _parse_integer(value: Any) -> int | None:
    number = v.parse_number(value)
    if number is None:
        return None
    if not number.is_integer():
        raise v.BadValue(f"expected a whole number, found {value!r}")
    return int(number)


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "text": v.parse_text,
    "number": v.parse_number,
    "integer": _parse_integer,
    "date": v.parse_date,
    "datetime": v.parse_datetime,
    "time": v.parse_time_text,
    "bool": v.parse_bool,
}


def parser_for(obj: HsdsObject, column_name: str) -> Callable[[Any], Any]:
    column = obj.column(column_name)
    kind = column_kind(column)
    if kind == "enum":
        return _parse_enum(column.info["enum"], column.info["case"])
    return _PARSERS[kind]


class RowParser:
    """Parses records of one HSDS object; `errors` lists (field, reason) for bad values."""

    def __init__(self, obj: HsdsObject) -> None:
        self.obj = obj
        self.columns: dict[str, str] = {f: f for f in obj.fields} | obj.extensions
        self.parsers = {name: parser_for(obj, col) for name, col in self.columns.items()}

    def parse(self, raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Typed values keyed by column for the fields present in `raw`, and value errors."""
        row: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        for name, value in raw.items():
            column = self.columns.get(name)
            if column is None:
                continue
            try:
                row[column] = self.parsers[name](value)
            except v.BadValue as exc:
                errors.append((name, str(exc)))
        identifier = row.get("id")
        if identifier is not None:
            identifier = identifier.strip()
            row["id"] = identifier
            if len(identifier) > ID_LENGTH:
                errors.append(("id", f"identifier longer than {ID_LENGTH} characters"))
        return row, errors
