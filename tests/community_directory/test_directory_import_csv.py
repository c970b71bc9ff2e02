"""Importing HSDS tabular data packages: complete, idempotent, all-or-nothing, and clear about problems."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from directory_testing import EXAMPLE_CSV, row_counts
from sqlalchemy import select
from sqlalchemy.orm import Session

from community_directory.importing import ImportFailed, import_path, validate_path
from community_directory.models import Location, Schedule, Service

SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"


def copy_package(tmp_path: Path) -> Path:
    folder = tmp_path / "package"
    shutil.copytree(EXAMPLE_CSV, folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def test_example_package_imports_every_table_with_typed_values(session: Session) -> None:
    report = import_path(session, EXAMPLE_CSV)
    assert report.created == 21 and report.skipped_rows == 0
    assert set(row_counts(session).values()) == {1}
    service = session.get(Service, SERVICE_ID)
    assert service.name == "Community Counselling"
    assert service.minimum_age == 12 and service.maximum_age == 100
    assert service.assured_date == date(2005, 1, 1)
    assert service.last_modified.replace(tzinfo=None) == datetime(2023, 3, 15, 10, 30, 45, 123000)
    schedule = session.execute(select(Schedule)).scalar_one()
    assert (schedule.byday, schedule.opens_at, schedule.freq) == ("TH,FR", "10:00:00", "WEEKLY")


def test_dangling_links_are_dropped_and_reported_with_file_row_and_field(session: Session) -> None:
    report = import_path(session, EXAMPLE_CSV)
    dropped = {(p.where, p.field) for p in report.skipped if p.action == "link dropped"}
    assert ("locations.csv row 2", "organization_id") in dropped
    assert ("taxonomy_terms.csv row 2", "taxonomy_id") in dropped
    assert session.execute(select(Location.organization_id)).scalar_one() is None
    # the broken datapackage.json in the example is noted, and the CSVs still read by name
    assert any(p.where == "datapackage.json" and p.action == "ignored" for p in report.skipped)


def test_reimport_changes_nothing_and_never_duplicates(session: Session) -> None:
    import_path(session, EXAMPLE_CSV)
    before = row_counts(session)
    again = import_path(session, EXAMPLE_CSV)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 21)
    assert row_counts(session) == before


def test_reimport_of_an_edited_row_updates_it(session: Session, tmp_path: Path) -> None:
    import_path(session, EXAMPLE_CSV)
    package = copy_package(tmp_path)
    services = package / "services.csv"
    services.write_text(services.read_text(encoding="utf-8").replace("Community Counselling,", "Talking Therapies,"),
                        encoding="utf-8")
    report = import_path(session, package)
    assert report.table("service").updated == 1 and report.created == 0
    session.expire_all()
    assert session.get(Service, SERVICE_ID).name == "Talking Therapies"


def test_a_broken_row_fails_the_whole_import_and_names_file_and_row(session: Session, tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    phones = package / "phones.csv"
    lines = phones.read_text(encoding="utf-8").splitlines()
    phones.write_text("\n".join([lines[0], lines[1] + ",surplus"]) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        import_path(session, package)
    assert failure.value.problem.where == "phones.csv row 2"
    assert "header has 10 columns" in failure.value.problem.reason
    # organizations.csv and services.csv were read before phones.csv, yet nothing was kept
    assert set(row_counts(session).values()) == {0}


def test_strict_mode_fails_on_a_bad_value_naming_the_field(session: Session, tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    locations = package / "locations.csv"
    locations.write_text(locations.read_text(encoding="utf-8").replace(",100,101,", ",north,101,"), encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        import_path(session, package, strict=True)
    problem = failure.value.problem
    assert (problem.where, problem.field) == ("locations.csv row 2", "latitude")
    assert "expected a number" in problem.reason and "north" in str(failure.value)
    assert set(row_counts(session).values()) == {0}


def test_without_strict_a_bad_value_is_dropped_and_the_row_kept(session: Session, tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    locations = package / "locations.csv"
    locations.write_text(locations.read_text(encoding="utf-8").replace(",100,101,", ",north,101,"), encoding="utf-8")
    report = import_path(session, package)
    location = session.execute(select(Location)).scalar_one()
    assert location.latitude is None and location.longitude == 101
    assert any(p.where == "locations.csv row 2" and p.field == "latitude" and p.action == "value dropped"
               for p in report.skipped)


def test_rows_missing_required_fields_are_skipped_and_counted(session: Session, tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    services = package / "services.csv"
    services.write_text(services.read_text(encoding="utf-8").replace(",active,", ",,"), encoding="utf-8")
    report = import_path(session, package)
    assert report.table("service").skipped == 1
    assert any(p.where == "services.csv row 2" and p.field == "status" for p in report.skipped)
    # what hung off the skipped service is reported rather than attached to nothing
    assert report.table("cost_option").skipped == 1
    assert session.execute(select(Service)).first() is None


def test_bad_enum_value_skips_the_row_with_the_allowed_values(session: Session, tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    services = package / "services.csv"
    services.write_text(services.read_text(encoding="utf-8").replace(",active,", ",open,"), encoding="utf-8")
    report = import_path(session, package)
    problem = next(p for p in report.skipped if p.field == "status")
    assert "active, inactive, defunct, temporarily closed" in problem.reason


def test_datapackage_resources_map_unusual_file_names(session: Session, tmp_path: Path) -> None:
    folder = tmp_path / "renamed"
    folder.mkdir()
    shutil.copyfile(EXAMPLE_CSV / "organizations.csv", folder / "orgs_2024.csv")
    descriptor = {"resources": [{"name": "organizations", "path": "orgs_2024.csv"}]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = import_path(session, folder)
    assert report.table("organization").created == 1


def test_unknown_columns_and_files_are_reported_not_fatal(session: Session, tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    (package / "notes.csv").write_text("id,text\n1,hello\n", encoding="utf-8")
    programs = package / "programs.csv"
    text = programs.read_text(encoding="utf-8").splitlines()
    programs.write_text("\n".join([text[0] + ",colour", text[1] + ",green"]) + "\n", encoding="utf-8")
    report = import_path(session, package)
    ignored = {(p.where, p.field) for p in report.skipped if p.action == "ignored"}
    assert ("notes.csv", None) in ignored and ("programs.csv row 1", "colour") in ignored
    assert report.table("program").created == 1


def test_validate_reports_but_writes_nothing(session: Session) -> None:
    report = validate_path(session, EXAMPLE_CSV)
    assert report.dry_run and report.created == 21
    assert set(row_counts(session).values()) == {0}


def test_excel_style_csv_with_byte_order_mark_reads(session: Session, tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    orgs = package / "organizations.csv"
    orgs.write_bytes(b"\xef\xbb\xbf" + orgs.read_bytes())
    assert import_path(session, package).table("organization").created == 1


def test_progress_is_reported_per_file_with_totals(session: Session) -> None:
    calls: list[tuple[str, int, int | None]] = []
    import_path(session, EXAMPLE_CSV, progress=lambda stage, done, total: calls.append((stage, done, total)))
    finished = {stage: (done, total) for stage, done, total in calls}
    assert finished["services.csv"] == (1, 1) and finished["phones.csv"] == (1, 1)
    assert list(finished)[0] == "organizations.csv"  # parents before children


def test_missing_path_and_unknown_format_fail_cleanly(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no such file"):
        import_path(session, tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(ImportFailed, match="not a .json file"):
        import_path(session, tmp_path / "notes.txt")
