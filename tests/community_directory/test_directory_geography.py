"""Postcodes: the ONS lookup loaded from the bundled SR file, and what residents type."""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from community_directory.geography import (
    BUNDLED_NSPL,
    bounding_box,
    distance_miles,
    imd_decile,
    load_nspl,
    lookup_place,
    lookup_postcode,
    normalise_postcode,
)
from community_directory.models import Postcode

# SHA-256 of the ONS file as published in the reference data (data/nspl/NSPL_NOV_2021_UK_SR.csv).
NSPL_SHA256 = "297efcf01cfd8a2b518e7b21b9d7ac037eff16bc05e2200edd34dbf43f88d5d5"


def test_bundled_file_is_the_published_one_with_attribution() -> None:
    assert hashlib.sha256(BUNDLED_NSPL.read_bytes()).hexdigest() == NSPL_SHA256
    attribution = (BUNDLED_NSPL.parent / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for line in ("Open Government Licence v3.0", "Contains OS data © Crown copyright and database right",
                 "Contains Royal Mail data © Royal Mail copyright and database right",
                 "Contains National Statistics data © Crown copyright and database right"):
        assert line in attribution


def test_load_counts_and_reload_is_idempotent(demo_session: Session) -> None:
    count = select(func.count()).select_from(Postcode)
    assert demo_session.execute(count).scalar_one() == 8765
    live = demo_session.execute(select(func.count()).where(Postcode.doterm.is_(None))).scalar_one()
    assert live == 6622
    demo_session.execute(update(Postcode).where(Postcode.pcds == "SR1 3SD").values(latitude=0.0))
    demo_session.commit()
    report = load_nspl(demo_session, BUNDLED_NSPL)
    assert (report.rows, report.live, report.terminated) == (8765, 6622, 2143)
    assert demo_session.execute(count).scalar_one() == 8765
    assert demo_session.get(Postcode, "SR1 3SD").latitude == pytest.approx(54.904456)


def test_a_file_that_is_not_nspl_is_refused(session: Session, tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("postcode,latitude\nSR1 3SD,54.9\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing columns"):
        load_nspl(session, other)


@pytest.mark.parametrize("typed", ["SR1 3SD", "sr13sd", " Sr1 3sd ", "SR1  3SD"])
def test_live_postcode_in_any_spelling(demo_session: Session, typed: str) -> None:
    found = lookup_postcode(demo_session, typed)
    assert (found.status, found.postcode) == ("ok", "SR1 3SD")
    assert found.lat == pytest.approx(54.904456) and found.lon == pytest.approx(-1.390973)
    assert found.lsoa == "E01008705" and found.imd_decile == 2 and found.message is None


def test_imd_decile_comes_from_the_rank_in_the_file(demo_session: Session) -> None:
    with BUNDLED_NSPL.open(newline="", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["pcds"] == "SR2 8PN")
    assert lookup_postcode(demo_session, "SR2 8PN").imd_decile == math.ceil(int(row["imd"]) / 3284.4)


def test_terminated_postcode_is_placed_but_flagged(demo_session: Session) -> None:
    found = lookup_postcode(demo_session, "SR1 1AA")
    assert found.status == "terminated" and found.found
    assert "no longer used" in found.message


def test_unknown_postcode_in_a_known_area_falls_back_to_the_area(demo_session: Session) -> None:
    found = lookup_postcode(demo_session, "SR2 9ZZ")
    assert found.status == "outward_only" and found.found and found.imd_decile is None
    assert "middle of the SR2 area" in found.message


def test_unknown_area_is_unknown(demo_session: Session) -> None:
    found = lookup_postcode(demo_session, "SR99 9ZZ")
    assert found.status == "unknown" and not found.found
    assert "SR99 9ZZ" in found.message


def test_not_a_postcode_is_malformed(demo_session: Session) -> None:
    found = lookup_postcode(demo_session, "hello")
    assert found.status == "malformed" and not found.found and "SR1 3SD" in found.message


def test_outward_code_alone_gives_the_centre_of_live_postcodes(demo_session: Session) -> None:
    found = lookup_postcode(demo_session, "sr2")
    lat, lon = demo_session.execute(
        select(func.avg(Postcode.latitude), func.avg(Postcode.longitude))
        .where(Postcode.outward == "SR2", Postcode.doterm.is_(None))
    ).one()
    assert found.status == "outward_only" and found.postcode == "SR2"
    assert (found.lat, found.lon) == (pytest.approx(lat), pytest.approx(lon))


def test_postcode_for_post_only_has_no_place(demo_session: Session) -> None:
    found = lookup_postcode(demo_session, "SR43 2AA")  # ONS gives it 99.999999, 0
    assert found.status == "unknown" and not found.found and "post only" in found.message


def test_normalisation() -> None:
    assert normalise_postcode("sr13sd") == "SR1 3SD"
    assert normalise_postcode("ec1a1bb") == "EC1A 1BB"
    assert normalise_postcode("SR2") == "SR2"
    assert normalise_postcode("SR1 3S") is None and normalise_postcode("") is None


def test_imd_decile_formula() -> None:
    assert [imd_decile(r) for r in (1, 3284, 3285, 32844, 0, None)] == [1, 1, 2, 10, None, None]


def test_distances() -> None:
    assert distance_miles(54.9, -1.38, 54.9, -1.38) == 0
    assert distance_miles(54.0, -1.4, 55.0, -1.4) == pytest.approx(69.09, abs=0.05)  # one degree of latitude
    assert distance_miles(54.9, -1.38, 54.97, -1.61) == pytest.approx(distance_miles(54.97, -1.61, 54.9, -1.38))
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(54.9, -1.38, 3)
    assert distance_miles(54.9, -1.38, lat_hi, -1.38) == pytest.approx(3.03, rel=1e-3)
    assert distance_miles(54.9, -1.38, 54.9, lon_lo) >= 3 and distance_miles(54.9, -1.38, 54.9, lon_hi) >= 3


def test_place_names_the_bot_extracts(demo_session: Session) -> None:
    hendon = lookup_place("Hendon")
    assert hendon.status == "place" and hendon.found
    assert distance_miles(hendon.lat, hendon.lon, *_where(demo_session, "SR2 8JZ")) < 0.3
    assert lookup_place("the City Centre").found and lookup_place("Atlantis") is None


def _where(session: Session, postcode: str) -> tuple[float, float]:
    row = session.get(Postcode, postcode)
    return row.latitude, row.longitude
