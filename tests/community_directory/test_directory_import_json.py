"""Importing HSDS / Open Referral UK JSON: full objects, paged lists and saved API pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from directory_testing import HSDS_EXAMPLES, row_counts
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from community_directory.importing import ImportFailed, import_json_documents, import_path
from community_directory.models import (
    Attribute,
    Location,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
PHONE_ID = "1554f2e2-a373-45db-a3fa-9fc48a61c15e"


def test_full_service_fills_every_nested_table_and_links_children_to_parents(session: Session) -> None:
    report = import_path(session, HSDS_EXAMPLES / "service_full.json")
    assert report.skipped_rows == 0
    counts = row_counts(session)
    assert counts["service"] == counts["location"] == counts["address"] == counts["schedule"] == 1
    sal = session.execute(select(ServiceAtLocation)).scalar_one()
    assert (sal.service_id, sal.location_id) == (SERVICE_ID, "3a19ff88-4620-4d17-9830-ac1d859eb5d5")
    service = session.get(Service, SERVICE_ID)
    assert service.organization.name == "Example Organization Inc." and service.program is not None
    attribute = session.execute(select(Attribute)).scalar_one()
    assert attribute.link_id == SERVICE_ID and attribute.taxonomy_term.taxonomy_detail.name == "name"


def test_an_object_repeated_in_several_places_becomes_one_row_with_every_link(session: Session) -> None:
    import_path(session, HSDS_EXAMPLES / "service_full.json")
    assert session.execute(select(func.count()).select_from(Phone)).scalar_one() == 1
    phone = session.get(Phone, PHONE_ID)
    assert phone.service_id == SERVICE_ID
    assert phone.location_id == "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
    assert phone.contact_id == "1e7efce3-639b-4880-940c-b95cd30cdb50"
    assert phone.service_at_location_id == "e94c9f38-1e8f-4564-91d4-d53501ab1765"
    assert phone.organization_id == "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    assert [lang.code for lang in phone.languages] == ["ur"]


@pytest.mark.parametrize("name, expected", [
    ("organization_full.json", {"organization": 1, "service": 1, "location": 1, "program": 1}),
    ("service_at_location_full.json", {"service_at_location": 1, "service": 1, "location": 1}),
    ("service_list.json", {"service": 1, "organization": 1, "program": 1}),
    ("organization_list.json", {"organization": 1}),
    ("service_at_location_list.json", {"service_at_location": 1, "service": 1, "location": 1}),
    ("location.json", {"location": 1, "address": 1, "accessibility": 1, "schedule": 1}),
    ("taxonomy.json", {"taxonomy": 1}),
    ("taxonomy_list.json", {"taxonomy": 1}),
    ("taxonomy_term.json", {"taxonomy_term": 1, "taxonomy": 1}),
    ("taxonomy_term_list.json", {"taxonomy_term": 1, "taxonomy": 1}),
    ("tabular.json", {"service": 1, "metadata": 1, "meta_table_description": 1}),
])
def test_every_shared_example_imports(session: Session, name: str, expected: dict[str, int]) -> None:
    report = import_path(session, HSDS_EXAMPLES / name)
    counts = row_counts(session)
    for table, n in expected.items():
        assert counts[table] == n, table
    assert report.skipped_rows == 0


def test_a_term_gets_its_taxonomy_from_the_nested_detail(session: Session) -> None:
    import_path(session, HSDS_EXAMPLES / "taxonomy_term.json")
    term = session.execute(select(TaxonomyTerm)).scalar_one()
    assert term.taxonomy_id == session.execute(select(Taxonomy.id)).scalar_one()


def test_api_information_document_is_noted_not_imported(session: Session) -> None:
    report = import_path(session, HSDS_EXAMPLES / "base.json")
    assert report.created == 0 and report.skipped[0].action == "ignored"


def test_a_folder_of_saved_api_pages_imports_as_one_directory(session: Session, tmp_path: Path) -> None:
    full = json.loads((HSDS_EXAMPLES / "service_full.json").read_text(encoding="utf-8"))
    second = json.loads(json.dumps(full).replace(SERVICE_ID, "5b6c3a52-2a0e-4a4f-9f43-0f0b8e0e7e11")
                        .replace("Community Counselling", "Evening Counselling"))
    pages = tmp_path / "pages"
    pages.mkdir()
    for number, service in enumerate((full, second), start=1):
        page = {"total_items": 2, "total_pages": 2, "page_number": number, "size": 1,
                "first_page": number == 1, "last_page": number == 2, "empty": False, "contents": [service]}
        (pages / f"services_page_{number}.json").write_text(json.dumps(page), encoding="utf-8")
    report = import_path(session, pages)
    assert report.table("service").created == 2
    assert sorted(session.execute(select(Service.name)).scalars()) == ["Community Counselling", "Evening Counselling"]
    # the organization and location both pages share are stored once
    assert row_counts(session)["organization"] == 1 and row_counts(session)["location"] == 1


def test_reimporting_json_is_idempotent(session: Session) -> None:
    import_path(session, HSDS_EXAMPLES / "service_full.json")
    before = row_counts(session)
    again = import_path(session, HSDS_EXAMPLES / "service_full.json")
    assert again.created == again.updated == 0 and row_counts(session) == before


def test_invalid_json_fails_naming_file_line_and_column(session: Session, tmp_path: Path) -> None:
    broken = tmp_path / "services.json"
    broken.write_text('{"contents": [{"id": "x", "name": "A", "status": "active"},]}', encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        import_path(session, broken)
    assert failure.value.problem.where.startswith("services.json line 1 column")
    assert row_counts(session)["service"] == 0


def test_nested_object_without_id_is_reported_by_json_path(session: Session) -> None:
    doc = {"id": "s1", "name": "Lunch club", "status": "active",
           "phones": [{"number": "0191 498 0500"}], "organization": {"id": "o1", "name": "Org"}}
    report = import_json_documents(session, [("feed.json", doc)])
    assert any(p.where == "feed.json $.phones[0]" and p.field == "id" for p in report.skipped)
    assert session.get(Service, "s1").organization_id == "o1"


def test_strict_json_import_writes_nothing_on_a_bad_value(session: Session) -> None:
    doc = {"contents": [
        {"id": "s1", "name": "Good", "status": "active"},
        {"id": "s2", "name": "Bad", "status": "active", "minimum_age": "twelve"},
    ]}
    with pytest.raises(ImportFailed) as failure:
        import_json_documents(session, [("feed.json", doc)], strict=True)
    assert (failure.value.problem.where, failure.value.problem.field) == ("feed.json $.contents[1]", "minimum_age")
    assert session.execute(select(func.count()).select_from(Service)).scalar_one() == 0


def test_unknown_properties_are_listed_once_with_a_count(session: Session) -> None:
    doc = [{"id": f"s{i}", "name": "A", "status": "active", "colour": "blue"} for i in range(3)]
    report = import_json_documents(session, [("feed.json", doc)])
    notes = [p for p in report.skipped if p.field == "colour"]
    assert len(notes) == 1 and "3 times" in notes[0].reason


def test_location_without_service_keeps_its_organization_link(session: Session) -> None:
    import_path(session, HSDS_EXAMPLES / "organization_full.json")
    location = session.execute(select(Location)).scalar_one()
    assert location.organization_id == session.execute(select(Organization.id)).scalar_one()
