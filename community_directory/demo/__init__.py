"""The fictional Sunderland demo directory and how to load it.

The data (demo/data/, an HSDS CSV package) is written by demo/generate.py and loaded through
the normal importer, so loading it again updates rather than duplicates. Verification dates
in the files are relative to the day they were generated; `load_demo` moves them forward to
today, so the demo keeps its mix of fresh, flagged and stale listings however old it gets.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from community_directory import values as v
from community_directory.geography import BUNDLED_NSPL, PostcodeLoadReport, load_nspl
from community_directory.importing import ImportReport, import_path
from community_directory.importing.report import ProgressCallback

__all__ = ["DEMO_DATA_DIR", "GENERATED_ON", "load_demo", "load_nspl", "demo_today_shift"]

DEMO_DATA_DIR = Path(__file__).parent / "data"
GENERATED_ON = date(2026, 11, 1)  # keep equal to generate.GENERATED_ON


def demo_today_shift(today: date | None = None) -> timedelta:
    return (today or date.today()) - GENERATED_ON


def load_demo(session: Session, today: date | None = None, *, progress: ProgressCallback | None = None,
              commit: bool = True) -> ImportReport:
    """Load (or refresh) the demo directory, with verification dates as seen from `today`."""
    shift = demo_today_shift(today)

    def move_dates(object_name: str, values: dict[str, Any]) -> dict[str, Any]:
        if object_name == "service" and values.get("x_last_verified_at"):
            verified = v.parse_date(values["x_last_verified_at"])
            if verified is not None:
                values = {**values, "x_last_verified_at": (verified + shift).isoformat()}
        return values

    return import_path(session, DEMO_DATA_DIR, format="csv", progress=progress, row_hook=move_dates,
                       commit=commit)


def load_bundled_postcodes(session: Session) -> PostcodeLoadReport:
    """The SR postcode area shipped with the package (what the demo's venues use)."""
    return load_nspl(session, BUNDLED_NSPL)
