"""Reading the API's query parameters, so a bad one is refused by name instead of guessed at.

FastAPI's own validation answers 422 with a nested error list; integrators of an Open
Referral API expect a plain 400 that says which parameter was wrong and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from community_directory import values as v
from community_directory.models import ServiceStatus
from community_directory.schedules import DAY_CODES, DAY_WORDS

MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 50
MAX_PAGE = 100_000  # far past the last page of any directory; bigger numbers overflow SQL offsets
MAX_SEARCH_CHARACTERS = 200
MAX_SEARCH_WORDS = 12  # each word is one condition on every searched column
METRES_PER_MILE = 1609.344


class BadParameter(ValueError):
    """A query parameter the API cannot use; becomes a 400 naming it."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter
        self.detail = detail

    def body(self) -> dict[str, str]:
        return {"error": "invalid parameter", "parameter": self.parameter, "detail": self.detail}


class Params:
    """Typed access to one request's query string; each getter raises BadParameter."""

    def __init__(self, query: Mapping[str, str]) -> None:
        self.query = query

    def text(self, *names: str) -> str | None:
        """The first of these (aliases) that is given and not blank."""
        for name in names:
            value = (self.query.get(name) or "").strip()
            if value:
                return value
        return None

    def search(self) -> str | None:
        """The search words (`search`, or its alias `text`), short enough to run as a query."""
        for name in ("search", "text"):
            value = self.text(name)
            if value is None:
                continue
            if len(value) > MAX_SEARCH_CHARACTERS or len(value.split()) > MAX_SEARCH_WORDS:
                raise BadParameter(name, f"must be at most {MAX_SEARCH_WORDS} words and "
                                         f"{MAX_SEARCH_CHARACTERS} characters")
            return value
        return None

    def refuse(self, name: str, detail: str) -> None:
        """A documented parameter this endpoint does not offer: refused by name unless false or blank."""
        if self.text(name) is not None and self.flag(name):
            raise BadParameter(name, detail)

    def whole(self, name: str, default: int, low: int, high: int | None = None) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        rule = f"must be a whole number from {low} to {high}" if high else f"must be a whole number of at least {low}"
        try:
            number = int(raw)
        except ValueError:
            raise BadParameter(name, rule) from None
        if number < low or (high is not None and number > high):
            raise BadParameter(name, rule)
        return number

    def number(self, name: str, *, low: float = 0.0, positive: bool = False) -> float | None:
        raw = self.text(name)
        if raw is None:
            return None
        rule = "must be a number greater than 0" if positive else f"must be a number of at least {low:g}"
        try:
            number = v.parse_number(raw)
        except v.BadValue:
            raise BadParameter(name, rule) from None
        if number is None or (positive and number <= 0) or number < low:
            raise BadParameter(name, rule)
        return number

    def flag(self, *names: str) -> bool:
        for name in names:
            raw = self.text(name)
            if raw is None:
                continue
            try:
                return bool(v.parse_bool(raw))
            except v.BadValue:
                raise BadParameter(name, "must be true or false") from None
        return False

    def moment(self, name: str) -> datetime | None:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            return v.parse_datetime(raw)
        except v.BadValue:
            raise BadParameter(name, "must be an ISO 8601 date or date and time, like 2024-05-31T10:30:00Z") from None

    def time_of_day(self, name: str) -> str | None:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            return v.parse_time_text(raw)
        except v.BadValue:
            raise BadParameter(name, "must be a time like 10:00") from None

    def day(self, name: str = "day") -> str | None:
        raw = self.text(name)
        if raw is None:
            return None
        if raw.lower() not in DAY_WORDS and raw.upper() not in DAY_CODES:
            raise BadParameter(name, "must be a day of the week, like monday or MO")
        return raw

    def status(self, name: str = "status", default: str = "active") -> str | None:
        """A service status to list; "any" lists every status."""
        raw = (self.text(name) or default).lower()
        if raw == "any":
            return None
        if raw not in ServiceStatus:
            raise BadParameter(name, f"must be one of {', '.join(ServiceStatus)} or any")
        return raw

    def paging(self) -> tuple[int, int]:
        return self.whole("page", 1, 1, MAX_PAGE), self.whole("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)

    def only_json(self) -> None:
        fmt = self.text("format")
        if fmt is not None and fmt.lower() != "json":
            raise BadParameter("format", "only json is offered")

    def proximity_miles(self, postcode: str | None) -> float | None:
        """HSDS `proximity` is in metres; `proximity_miles` is our local, friendlier spelling."""
        metres = self.number("proximity", positive=True)
        miles = self.number("proximity_miles", positive=True)
        if metres is not None and miles is not None:
            raise BadParameter("proximity_miles", "give proximity (metres) or proximity_miles, not both")
        if (metres is not None or miles is not None) and not postcode:
            raise BadParameter("proximity" if metres is not None else "proximity_miles",
                               "needs a postcode to measure from")
        return miles if miles is not None else (metres / METRES_PER_MILE if metres is not None else None)
