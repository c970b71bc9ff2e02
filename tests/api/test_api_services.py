"""GET /api/services: HSDS-valid answers, filters that keep their promises, honest paging."""

from __future__ import annotations

import math
from datetime import datetime, timezone

from sqlalchemy import event, func, select

from bot.db import engine_for
from community_directory.geography import distance_miles, lookup_postcode
from community_directory.models import Attribute, Service, TaxonomyTerm
from tests.api.conftest import assert_valid


def active_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Service).where(Service.status == "active"))


def all_pages(client, path: str, per_page: int = 50) -> list[dict]:
    items, page = [], 1
    while True:
        body = client.get(f"{path}{'&' if '?' in path else '?'}per_page={per_page}&page={page}").json()
        items += body["contents"]
        if body["last_page"]:
            return items
        page += 1


def test_list_items_validate_and_only_active_services_are_listed(client, db):
    response = client.get("/api/services?per_page=500")
    assert response.status_code == 200
    body = response.json()
    assert body["total_items"] == active_count(db) == len(body["contents"])
    assert {s["status"] for s in body["contents"]} == {"active"}
    for item in body["contents"]:
        assert_valid("compiled/service_list", item)


def test_inactive_service_is_not_listed_but_can_be_fetched(client, db):
    closed = db.scalars(select(Service).where(Service.status != "active")).all()
    assert closed, "the demo directory has closed listings"
    listed = {s["id"] for s in client.get("/api/services?per_page=500").json()["contents"]}
    for service in closed:
        assert service.id not in listed
        fetched = client.get(f"/api/services/{service.id}")
        assert fetched.status_code == 200 and fetched.json()["status"] == service.status
    everything = client.get("/api/services?status=any&per_page=1").json()
    assert everything["total_items"] == db.scalar(select(func.count()).select_from(Service))


def test_full_service_validates_and_marks_demo_listings(client):
    first = client.get("/api/services?per_page=3").json()["contents"]
    for item in first:
        document = client.get(f"/api/services/{item['id']}").json()
        assert_valid("compiled/service", document)
        assert document["x_is_demo"] is True
        assert "service_at_locations" in document or "schedules" in document
    full = client.get("/api/services?per_page=3&full_service=true").json()["contents"]
    for document in full:
        assert_valid("compiled/service", document)
        assert "phones" in document


def test_curator_names_are_not_published(client):
    text = client.get("/api/services?per_page=500&full=true").text
    assert "x_verified_by" not in text and "Demo curator" not in text


def test_paging_totals_and_every_service_once(client, db):
    first = client.get("/api/services?per_page=50").json()
    total = active_count(db)
    assert first["total_pages"] == math.ceil(total / 50)
    assert (first["first_page"], first["last_page"], first["size"]) == (True, False, 50)
    ids = [s["id"] for s in all_pages(client, "/api/services", 50)]
    assert len(ids) == len(set(ids)) == total
    beyond = client.get(f"/api/services?per_page=50&page={first['total_pages'] + 1}").json()
    assert beyond["empty"] is True and beyond["contents"] == [] and beyond["total_items"] == total


def test_taxonomy_term_filter_returns_only_services_with_that_term(client, db):
    term = db.scalars(select(TaxonomyTerm).where(TaxonomyTerm.code == "physical_activity")).one()
    expected = set(db.scalars(
        select(Service.id).join(Attribute, Attribute.link_id == Service.id)
        .where(Attribute.taxonomy_term_id == term.id, Service.status == "active")))
    found = all_pages(client, f"/api/services?taxonomy_term_id={term.id}&full=true")
    assert {s["id"] for s in found} == expected and expected
    for service in found:
        assert term.id in {a.get("taxonomy_term_id") for a in service["attributes"]}


def test_taxonomy_and_organization_filters(client, db):
    taxonomy_id = db.scalar(select(TaxonomyTerm.taxonomy_id).limit(1))
    tagged = client.get(f"/api/services?taxonomy_id={taxonomy_id}&per_page=1").json()["total_items"]
    assert 0 < tagged <= active_count(db)
    assert client.get("/api/services?taxonomy_id=no-such-taxonomy").json()["total_items"] == 0
    walks = db.scalars(select(Service).where(Service.name == "Hendon Health Walk")).one()
    body = client.get(f"/api/services?organization_id={walks.organization_id}&per_page=500").json()
    assert body["total_items"] >= 3
    assert {s["organization_id"] for s in body["contents"]} == {walks.organization_id}


def test_search_by_text(client):
    for param in ("search", "text"):
        body = client.get(f"/api/services?{param}=walk&per_page=500").json()
        assert body["total_items"] > 0
        for s in body["contents"]:
            assert "walk" in (s["name"] + " " + s.get("description", "") + " " + s.get("alternate_name", "")).lower()


def nearest_miles(service: dict, lat: float, lon: float) -> float:
    places = [sal["location"] for sal in service.get("service_at_locations", [])
              if "latitude" in sal.get("location", {})]
    return min(distance_miles(lat, lon, p["latitude"], p["longitude"]) for p in places)


def test_postcode_and_proximity_return_services_within_the_distance_nearest_first(client, db):
    place = lookup_postcode(db, "SR2 8JZ")
    body = client.get("/api/services?postcode=SR2 8JZ&proximity=1609.344&per_page=500&full=true").json()
    distances = [nearest_miles(s, place.lat, place.lon) for s in body["contents"]]
    assert distances and all(d <= 1.0 for d in distances)
    assert distances == sorted(distances)
    everywhere = client.get("/api/services?per_page=500&full=true").json()["contents"]
    within = [s for s in everywhere if s.get("service_at_locations") and nearest_miles(s, place.lat, place.lon) <= 1.0]
    assert body["total_items"] == len(within) < len(everywhere)
    in_miles = client.get("/api/services?postcode=sr28jz&proximity_miles=1&per_page=500").json()
    assert [s["id"] for s in in_miles["contents"]] == [s["id"] for s in body["contents"]]


def test_postcode_without_proximity_keeps_every_service(client, db):
    body = client.get("/api/services?postcode=SR6 9LU&per_page=500").json()
    assert body["total_items"] == active_count(db)
    area = client.get("/api/services?postcode=SR2&proximity_miles=1&per_page=500").json()
    assert 0 < area["total_items"] < active_count(db)  # an outward code alone means the middle of SR2


def test_modified_after(client, db):
    service = db.scalars(select(Service).where(Service.status == "active").order_by(Service.id)).first()
    service.last_modified = datetime(2031, 1, 2, 9, 0, tzinfo=timezone.utc)
    db.commit()
    body = client.get("/api/services?modified_after=2031-01-01T00:00:00Z").json()
    assert [s["id"] for s in body["contents"]] == [service.id]
    assert body["contents"][0]["last_modified"] == "2031-01-02T09:00:00Z"
    assert client.get("/api/services?modified_after=2031-01-03").json()["total_items"] == 0


def test_lists_cost_the_same_number_of_queries_however_long(client, api_db):
    engine = engine_for(api_db)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/api/services?per_page=5&full=true")
        few = len(statements)
        statements.clear()
        client.get("/api/services?per_page=150&full=true")
        many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # 30 times the services: a few more nested kinds turn up, but nothing per service.
    assert many < few + 10, (few, many)
