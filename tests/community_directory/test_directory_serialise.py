"""HSDS JSON for the API: validated against the compiled HSDS 3.0 schemas the API promises."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from directory_testing import EXAMPLE_CSV, HSDS_EXAMPLES
from sqlalchemy import select
from sqlalchemy.orm import Session

from community_directory import queries, serialise
from community_directory.geography import distance_miles, lookup_postcode
from community_directory.importing import import_path
from community_directory.models import Service, TaxonomyTerm
from community_directory.schemas import validator


def assert_valid(schema: str, document: dict) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in validator(schema).iter_errors(document)]
    assert errors == [], errors[:5]


def test_full_example_service_matches_the_published_example(session: Session) -> None:
    import_path(session, HSDS_EXAMPLES / "service_full.json")
    document = serialise.service_full(queries.get_service(session, "ac148810-d857-441c-9679-408f346de14b"))
    assert_valid("compiled/service", document)
    location = document["service_at_locations"][0]["location"]
    assert location["addresses"][0]["postal_code"] == "ABC 1234"
    assert document["organization"]["organization_identifiers"][0]["identifier"] == "1234567"
    assert document["attributes"][0]["taxonomy_term"]["taxonomy_detail"]["name"] == "name"
    assert document["minimum_age"] == 12 and document["last_modified"] == "2023-03-15T10:30:45.123Z"


def test_every_api_shape_validates_for_demo_listings(demo_session: Session) -> None:
    services, total = queries.list_services(demo_session, search="walk", per_page=4)
    assert total > 4 and len(services) == 4
    for service in services:
        assert_valid("compiled/service_list", serialise.service_list_item(service))
        assert_valid("compiled/service", serialise.service_full(queries.get_service(demo_session, service.id)))
    sals, _ = queries.list_service_at_locations(demo_session, postcode="SR2 8JZ", per_page=3)
    for sal in sals:
        assert_valid("compiled/service_at_location_list", serialise.service_at_location_list_item(sal))
        full = serialise.service_at_location_full(queries.get_service_at_location(demo_session, sal.id))
        assert_valid("compiled/service_at_location", full)
    organizations, _ = queries.list_organizations(demo_session, search="Health Walks")
    assert [o.name for o in organizations] == ["Sunderland Health Walks Network (demo)"]
    assert_valid("compiled/organization_list", serialise.organization_list_item(organizations[0]))
    for full_service in (False, True):
        organization = queries.get_organization(demo_session, organizations[0].id, full_service=full_service)
        document = serialise.organization_full(organization, full_service=full_service)
        assert_valid("compiled/organization", document)
        assert len(document["services"]) >= 3
        assert ("service_at_locations" in document["services"][0]) is full_service


def test_list_items_carry_one_to_one_fields_only(demo_session: Session) -> None:
    service = demo_session.execute(select(Service).where(Service.name == "Hendon Health Walk")).scalar_one()
    item = serialise.service_list_item(service)
    assert item["organization"]["name"] == "Sunderland Health Walks Network (demo)"
    assert not {"phones", "schedules", "service_at_locations"} & set(item)


def test_local_fields_appear_only_when_asked_for(demo_session: Session) -> None:
    service = queries.get_service(demo_session, demo_session.execute(
        select(Service.id).where(Service.name == "Roker Singing for Wellbeing")).scalar_one())
    assert not any(k.startswith("x_") or k in ("is_full", "referral_count") for k in serialise.service_full(service))
    local = serialise.service_full(service, include_local=True)
    assert local["x_is_full"] is True and local["x_is_demo"] is True
    assert_valid("compiled/service", local)


def test_page_envelope() -> None:
    page = serialise.page([{"id": "a"}, {"id": "b"}], total_items=5, page_number=2, per_page=2)
    assert page == {"total_items": 5, "total_pages": 3, "page_number": 2, "size": 2, "first_page": False,
                    "last_page": False, "empty": False, "contents": [{"id": "a"}, {"id": "b"}]}
    assert serialise.page([], 0, 1, 50)["empty"] is True


def test_list_services_pages_through_everything_once(demo_session: Session) -> None:
    seen: list[str] = []
    total = None
    for number in range(1, 20):
        items, total = queries.list_services(demo_session, page=number, per_page=50)
        if not items:
            break
        seen += [s.id for s in items]
    assert len(seen) == len(set(seen)) == total == 176


def test_filters_by_taxonomy_term_organization_and_modified_date(demo_session: Session) -> None:
    term = demo_session.execute(select(TaxonomyTerm).where(TaxonomyTerm.code == "carers")).scalar_one()
    carers, total = queries.list_services(demo_session, taxonomy_term_id=term.id, per_page=100)
    assert total == len(carers) >= 5
    assert all(any(a.taxonomy_term_id == term.id for a in s.attributes) for s in carers)
    by_taxonomy, _ = queries.list_services(demo_session, taxonomy_id=term.taxonomy_id, per_page=1)
    assert by_taxonomy
    walks_org = queries.list_organizations(demo_session, search="Health Walks")[0][0]
    walks, _ = queries.list_services(demo_session, organization_id=walks_org.id, per_page=100)
    assert walks and all("Health Walk" in s.name for s in walks)
    later, total_later = queries.list_services(demo_session, modified_after=datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert total_later == 0 and later == []


def test_oruk_age_and_day_filters(demo_session: Session) -> None:
    over_60, _ = queries.list_services(demo_session, minimum_age=60, per_page=200)
    assert over_60 and all(s.minimum_age >= 60 for s in over_60)
    saturdays, _ = queries.list_services(demo_session, day="saturday", per_page=200)
    assert saturdays and all(any("SA" in (sc.byday or "") for sc in queries.get_service(demo_session, s.id).schedules)
                             for s in saturdays)


def test_postcode_and_proximity_give_nearest_first_within_range(demo_session: Session) -> None:
    near, total = queries.list_services(demo_session, postcode="SR2 8JZ", proximity_miles=1.0, per_page=200)
    assert 0 < total == len(near) < 176
    here = lookup_postcode(demo_session, "SR2 8JZ")
    distances = [min(distance_miles(here.lat, here.lon, sal.location.latitude, sal.location.longitude)
                     for sal in s.service_at_locations) for s in near]
    assert distances == sorted(distances) and distances[-1] <= 1.0
    assert "Hendon Health Walk" in [s.name for s in near]
    assert not any(s.name.startswith(("Washington", "Hetton", "Seaburn")) for s in near)
    with pytest.raises(queries.PostcodeNotFound) as missing:
        queries.list_services(demo_session, postcode="hello")
    assert "doesn't look like a UK postcode" in str(missing.value)


def test_taxonomy_lists(demo_session: Session) -> None:
    terms, total = queries.list_taxonomy_terms(demo_session, search="carers")
    assert total == 1 and serialise.taxonomy_term(terms[0])["taxonomy_detail"]["name"] == "Community Connect needs"
    taxonomies, _ = queries.list_taxonomies(demo_session)
    assert [t.name for t in taxonomies] == ["Community Connect needs"]


def test_example_package_serialises_valid_despite_its_dangling_links(session: Session) -> None:
    import_path(session, EXAMPLE_CSV)
    service = queries.get_service(session, "ac148810-d857-441c-9679-408f346de14b")
    assert_valid("compiled/service", serialise.service_full(service))
