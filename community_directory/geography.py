"""Postcodes to places: the ONS postcode lookup, distances, and Sunderland place names.

`geo_postcode` is loaded from an ONS NSPL/ONSPD CSV (same columns in both), streamed and
upserted in batches, so the full 2.6-million-row UK file loads in constant memory and a
re-load just refreshes rows. IMD decile = ceil(rank / 3284.4), for English postcodes only
(NSPL's `imd` column holds each nation's own index; rank 0 or blank means not known).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from community_directory.importing.report import ProgressCallback
from community_directory.models import Postcode
from community_directory.places import find_place

BUNDLED_NSPL = Path(__file__).parent / "data" / "nspl" / "NSPL_NOV_2021_UK_SR.csv"
IMD_DECILE_WIDTH = 3284.4  # 32,844 English LSOAs / 10
ENGLAND = "E92000001"
EARTH_RADIUS_MILES = 3958.8

_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_FULL = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_NOT_PLACED = (99.999999, 0.0)  # what ONS writes for postcodes with no grid reference


@dataclass(frozen=True)
class PostcodeLookup:
    """Where a postcode (or outward code, or place name) is, and how sure we are.

    status: ok | outward_only | terminated | unknown | malformed (| place, from lookup_place).
    lat/lon are set whenever we could place it; `message` explains anything but ok in
    words the bot can pass on.
    """

    query: str
    postcode: str | None
    status: str
    lat: float | None = None
    lon: float | None = None
    lsoa: str | None = None
    imd_decile: int | None = None
    message: str | None = None

    @property
    def found(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def outward(self) -> str | None:
        return self.postcode.split(" ")[0] if self.postcode else None


def normalise_postcode(text: str) -> str | None:
    """"sr13sd", " Sr1 3sd " -> "SR1 3SD"; an outward code alone -> "SR2"; else None."""
    compact = re.sub(r"\s+", "", text or "").upper()
    match = _FULL.match(compact)
    if match:
        return f"{match.group(1)} {match.group(2)}"
    if _OUTWARD.match(compact):
        return compact
    return None


def imd_decile(rank: int | None) -> int | None:
    if not rank or rank <= 0:
        return None
    return min(10, math.ceil(rank / IMD_DECILE_WIDTH))


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) containing every point within `miles`.

    Padded by 1%: the great circle between two points on one parallel bows towards the pole,
    so a point `miles` due east lies a hair beyond `miles` of longitude along the parallel.
    """
    dlat = math.degrees(miles * 1.01 / EARTH_RADIUS_MILES)
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# -- lookups ------------------------------------------------------------------------------


def outward_centroid(session: Session, outward: str) -> tuple[float, float] | None:
    """Mean position of the outward code's live, placed postcodes."""
    lat, lon = session.execute(
        select(func.avg(Postcode.latitude), func.avg(Postcode.longitude)).where(
            Postcode.outward == outward, Postcode.doterm.is_(None), Postcode.latitude.is_not(None)
        )
    ).one()
    return (float(lat), float(lon)) if lat is not None else None


def lookup_postcode(session: Session, text: str) -> PostcodeLookup:
    query = text or ""
    normalised = normalise_postcode(query)
    if normalised is None:
        return PostcodeLookup(query, None, "malformed", message=(
            "That doesn't look like a UK postcode. A postcode looks like SR1 3SD."))
    if " " not in normalised:
        centre = outward_centroid(session, normalised)
        if centre is None:
            return PostcodeLookup(query, normalised, "unknown", message=(
                f"I don't know the postcode area {normalised}. Could you check it, or give the full postcode?"))
        return PostcodeLookup(query, normalised, "outward_only", centre[0], centre[1], message=(
            f"{normalised} is only the first part of a postcode, so I've used the middle of the "
            f"{normalised} area. The full postcode would make distances more accurate."))

    row = session.get(Postcode, normalised)
    outward = normalised.split(" ")[0]
    if row is not None and row.latitude is not None:
        if row.doterm:
            return PostcodeLookup(query, normalised, "terminated", row.latitude, row.longitude, row.lsoa11,
                                  row.imd_decile, message=(
                                      f"{normalised} is an old postcode that is no longer used, so I've used "
                                      "where it was. If you have a newer postcode, that would be better."))
        return PostcodeLookup(query, normalised, "ok", row.latitude, row.longitude, row.lsoa11, row.imd_decile)
    centre = outward_centroid(session, outward)
    if centre is None:
        reason = ("is a postcode for post only, with no place on the map"
                  if row is not None else "isn't a postcode I know")
        return PostcodeLookup(query, normalised, "unknown", message=(
            f"{normalised} {reason}. Could you check it, or tell me the area you live in?"))
    return PostcodeLookup(query, normalised, "outward_only", centre[0], centre[1], message=(
        f"I couldn't find {normalised}, so I've used the middle of the {outward} area. "
        "Could you check the postcode?"))


# -- Sunderland place names (what residents say instead of a postcode) --------------------

def lookup_place(text: str) -> PostcodeLookup | None:
    """A Sunderland place name ("Hendon"), as an approximate position; the names and centres
    live in community_directory.places, the one gazetteer the bot and the CLI share."""
    place = find_place(text or "")
    if place is None:
        return None
    return PostcodeLookup(text, None, "place", place.lat, place.lon, message=(
        f"I've used the middle of {place.name}. A postcode would make distances more accurate."))


# -- loading the ONS file ---------------------------------------------------------------


@dataclass
class PostcodeLoadReport:
    rows: int = 0
    live: int = 0
    terminated: int = 0
    skipped: int = 0


def _rows(path: Path, report: PostcodeLoadReport) -> Iterator[dict[str, object]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or [])
        missing = {"pcds", "lat", "long", "doterm"} - columns
        if missing:
            raise ValueError(f"{path.name}: not an NSPL/ONSPD file, missing columns {', '.join(sorted(missing))}")
        lsoa_column = "lsoa11" if "lsoa11" in columns else ("lsoa21" if "lsoa21" in columns else None)
        for record in reader:
            postcode = normalise_postcode(record["pcds"] or "")
            if postcode is None or " " not in postcode:
                report.skipped += 1
                continue
            try:
                lat = float(record["lat"]) if record["lat"] else None
                lon = float(record["long"]) if record["long"] else None
            except ValueError:
                lat = lon = None
            if lat is None or lon is None or (round(lat, 6), round(lon, 6)) == _NOT_PLACED:
                lat = lon = None
            rank_text = (record.get("imd") or "").strip()
            rank = int(rank_text) if rank_text.isdigit() and int(rank_text) > 0 else None
            english = record.get("ctry", ENGLAND) in (ENGLAND, "", None)
            doterm = (record["doterm"] or "").strip() or None
            report.rows += 1
            if doterm:
                report.terminated += 1
            else:
                report.live += 1
            yield {
                "pcds": postcode,
                "outward": postcode.split(" ")[0],
                "latitude": lat,
                "longitude": lon,
                "lsoa11": (record.get(lsoa_column) or None) if lsoa_column else None,
                "laua": record.get("laua") or None,
                "imd_rank": rank,
                "imd_decile": imd_decile(rank) if english else None,
                "doterm": doterm,
            }


def _upsert(session: Session, rows: list[dict[str, object]]) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        lite = sqlite_insert(Postcode)
        session.execute(lite.on_conflict_do_update(
            index_elements=[Postcode.pcds], set_={c: lite.excluded[c] for c in rows[0] if c != "pcds"}), rows)
    elif dialect == "postgresql":
        pg = postgresql_insert(Postcode)
        session.execute(pg.on_conflict_do_update(
            index_elements=[Postcode.pcds], set_={c: pg.excluded[c] for c in rows[0] if c != "pcds"}), rows)
    else:  # any other database: replace the batch
        session.execute(delete(Postcode).where(Postcode.pcds.in_([r["pcds"] for r in rows])))
        session.execute(insert(Postcode), rows)


def load_nspl(
    session: Session,
    path: str | Path = BUNDLED_NSPL,
    *,
    batch_size: int = 2000,
    progress: ProgressCallback | None = None,
    commit: bool = True,
) -> PostcodeLoadReport:
    """Load (or refresh) postcodes from an NSPL/ONSPD CSV; safe to run again."""
    path = Path(path)
    report = PostcodeLoadReport()
    batch: list[dict[str, object]] = []
    try:
        for row in _rows(path, report):
            batch.append(row)
            if len(batch) >= batch_size:
                _upsert(session, batch)
                batch = []
                if progress:
                    progress(path.name, report.rows, None)
        if batch:
            _upsert(session, batch)
        if progress:
            progress(path.name, report.rows, report.rows)
    except BaseException:
        session.rollback()
        raise
    if commit:
        session.commit()
    return report
