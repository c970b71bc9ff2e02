"""Reading and writing HSDS field values.

CSV gives every value as text and JSON feeds from other directories are loose about types
("12" for an age, 10092008082 for an identifier), so every value goes through one parser
per column type. A parser raises `BadValue` with a plain reason; the importer adds the
file, row and field to it.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timezone
from typing import Any


class BadValue(ValueError):
    """A value that cannot be read as its column's type; the message says why in plain words."""


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
# HSDS opens_at/closes_at: HH:MM, optional seconds, optional Z or UTC offset.
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_text(value: Any) -> str | None:
    """Text as given (CSV cannot tell empty from missing, so empty means missing)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        raise BadValue(f"expected text, found a JSON {'object' if isinstance(value, dict) else 'list'}")
    return str(value)


def parse_number(value: Any) -> float | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadValue(f"expected a number, found {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if _THOUSANDS.match(text):  # "1,200" from a spreadsheet
            text = text.replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise BadValue(f"expected a number, found {str(value)!r}") from None
    if math.isnan(number) or math.isinf(number):
        raise BadValue(f"expected a number, found {str(value)!r}")
    return number


def parse_date(value: Any) -> date | None:
    """ISO dates; a full timestamp is accepted and cut to its date (some feeds send one)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if len(text) > 10 and text[10] in "T ":
        text = text[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadValue(f"expected a date like 2024-05-31, found {text!r}") from None


def parse_datetime(value: Any) -> datetime | None:
    """ISO timestamps, stored in UTC; a bare date means midnight UTC."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            try:
                moment = datetime.combine(date.fromisoformat(text), time())
            except ValueError:
                raise BadValue(f"expected a date and time like 2024-05-31T10:30:00Z, found {str(value)!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_time_text(value: Any) -> str | None:
    """HSDS times stay as written (they may carry a UTC offset) but must look like a time."""
    text = parse_text(value)
    if text is None:
        return None
    text = text.strip()
    if not _TIME.match(text):
        raise BadValue(f"expected a time like 10:00 or 10:00:00, found {text!r}")
    return text


def parse_bool(value: Any) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue(f"expected true or false, found {str(value)!r}")


def format_number(value: float | None) -> int | float | None:
    """Whole numbers as integers, so an age of 12 is written 12, not 12.0."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def format_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def format_datetime(value: datetime | None) -> str | None:
    """UTC with a Z; SQLite hands timestamps back without a zone, and they were stored as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    if value.microsecond % 1000 == 0 and value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
