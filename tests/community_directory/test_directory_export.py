"""Export, then import into an empty database: the same directory comes back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from directory_testing import EXAMPLE_CSV, snapshot
from sqlalchemy.orm import Session

from community_directory.demo import DEMO_DATA_DIR
from community_directory.exporting import export_csv_package, export_json
from community_directory.hsds_schema import OBJECTS
from community_directory.importing import import_path


def test_csv_round_trip_of_the_example_package_is_identical(session: Session, fresh_session: Session,
                                                            tmp_path: Path) -> None:
    import_path(session, EXAMPLE_CSV)
    export_csv_package(session, tmp_path / "out")
    report = import_path(fresh_session, tmp_path / "out")
    assert report.skipped == []  # our own export has no dangling links or unknown columns
    assert snapshot(fresh_session) == snapshot(session)


def test_csv_round_trip_of_the_demo_keeps_local_fields(demo_session: Session, fresh_session: Session,
                                                       tmp_path: Path) -> None:
    export_csv_package(demo_session, tmp_path / "out")
    import_path(fresh_session, tmp_path / "out")
    theirs, ours = snapshot(fresh_session), snapshot(demo_session)
    assert theirs == ours
    assert len(ours["service"]) >= 160


def test_json_round_trip_of_the_demo_is_identical(demo_session: Session, fresh_session: Session,
                                                  tmp_path: Path) -> None:
    report = export_json(demo_session, tmp_path / "json")
    assert report.not_in_json == {}
    import_path(fresh_session, tmp_path / "json")
    assert snapshot(fresh_session) == snapshot(demo_session)


def test_json_export_counts_what_json_cannot_carry(session: Session, fresh_session: Session, tmp_path: Path) -> None:
    import_path(session, EXAMPLE_CSV)
    report = export_json(session, tmp_path / "json")
    # the example's attribute and metadata rows point at ids that are not in it
    assert report.not_in_json == {"hsds_meta_table_description": 1, "hsds_attribute": 1, "hsds_metadata": 1}
    import_path(fresh_session, tmp_path / "json")
    ours, theirs = snapshot(session), snapshot(fresh_session)
    for name in ours:
        if name not in ("attribute", "metadata", "meta_table_description"):
            assert theirs[name] == ours[name], name


def test_csv_package_describes_every_file_and_column(session: Session, tmp_path: Path) -> None:
    import_path(session, EXAMPLE_CSV)
    export_csv_package(session, tmp_path / "out")
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["path"]: r for r in descriptor["resources"]}
    assert set(resources) == {o.csv_name for o in OBJECTS}
    for path, resource in resources.items():
        with (tmp_path / "out" / path).open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == [f["name"] for f in resource["schema"]["fields"]], path


def test_json_export_pages_are_hsds_pages(demo_session: Session, tmp_path: Path) -> None:
    export_json(demo_session, tmp_path / "json", include_local=False)
    page = json.loads((tmp_path / "json" / "services.json").read_text(encoding="utf-8"))
    assert page["total_items"] == len(page["contents"]) == page["size"]
    assert page["first_page"] and page["last_page"] and not page["empty"]
    assert not any(key.startswith("x_") for service in page["contents"] for key in service)


def test_committed_demo_package_is_what_the_exporter_writes(demo_session: Session, tmp_path: Path) -> None:
    # export of the loaded demo reproduces the committed files except the moved verification dates
    export_csv_package(demo_session, tmp_path / "out")
    for obj in OBJECTS:
        if obj.name == "service":
            continue
        assert (tmp_path / "out" / obj.csv_name).read_bytes() == (DEMO_DATA_DIR / obj.csv_name).read_bytes(), obj.name
