"""The rest of the API: about, organizations, service_at_locations, taxonomies, errors and CORS."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from sqlalchemy import func, select

from community_directory.geography import distance_miles, lookup_postcode
from community_directory.models import Service, ServiceAtLocation, TaxonomyTerm
from tests.api.conftest import assert_valid


def test_about_the_api_points_at_its_openapi_description(client):
    about = client.get("/api/")
    assert about.status_code == 200 and about.headers["access-control-allow-origin"] == "*"
    body = about.json()
    assert body["version"] == "3.0" and body["profile"].startswith("https://")
    openapi = client.get(urlparse(body["openapi_url"]).path)
    assert openapi.status_code == 200
    assert {"/services", "/services/{id}", "/service_at_locations", "/taxonomy_terms"} <= set(openapi.json()["paths"])


def test_organizations_validate_and_hide_inactive_services(client, db):
    listed = client.get("/api/organizations?per_page=500").json()
    assert listed["total_items"] == len(listed["contents"]) > 0
    for item in listed["contents"][:20]:
        assert_valid("compiled/organization_list", item)
    closed = db.scalars(select(Service).where(Service.status == "inactive")).first()
    for full_service in ("false", "true"):
        document = client.get(f"/api/organizations/{closed.organization_id}?full_service={full_service}").json()
        assert_valid("compiled/organization", document)
        assert closed.id not in {s["id"] for s in document["services"]}
    searched = client.get("/api/organizations?search=Health Walks").json()
    assert [o["name"] for o in searched["contents"]] == ["Sunderland Health Walks Network (demo)"]


def test_service_at_locations_validate_and_skip_closed_services(client, db):
    body = client.get("/api/service_at_locations?per_page=500").json()
    expected = db.scalar(select(func.count()).select_from(ServiceAtLocation)
                         .join(Service, Service.id == ServiceAtLocation.service_id).where(Service.status == "active"))
    assert body["total_items"] == expected == len(body["contents"])
    for item in body["contents"][:25]:
        assert_valid("compiled/service_at_location_list", item)
        assert item["service"]["status"] == "active"
    document = client.get(f"/api/service_at_locations/{body['contents'][0]['id']}").json()
    assert_valid("compiled/service_at_location", document)
    assert document["service"]["x_is_demo"] is True


def test_service_at_locations_near_a_postcode(client, db):
    place = lookup_postcode(db, "SR6 9LU")
    body = client.get("/api/service_at_locations?postcode=SR6 9LU&proximity=2000&per_page=500").json()
    distances = [distance_miles(place.lat, place.lon, i["location"]["latitude"], i["location"]["longitude"])
                 for i in body["contents"]]
    assert distances and max(distances) <= 2000 / 1609.344 and distances == sorted(distances)
    assert body["total_items"] == len(distances)


def test_taxonomies_and_terms(client, db):
    taxonomies = client.get("/api/taxonomies").json()["contents"]
    assert [t["name"] for t in taxonomies] == ["Community Connect needs"]
    assert_valid("taxonomy", taxonomies[0])
    assert client.get(f"/api/taxonomies/{taxonomies[0]['id']}").json() == taxonomies[0]
    terms = client.get(f"/api/taxonomy_terms?taxonomy_id={taxonomies[0]['id']}&per_page=500").json()
    assert terms["total_items"] == db.scalar(select(func.count()).select_from(TaxonomyTerm)) == 15
    for term in terms["contents"]:
        assert_valid("taxonomy_term", term)
        assert term["taxonomy_detail"]["id"] == taxonomies[0]["id"]
    one = terms["contents"][0]
    assert client.get(f"/api/taxonomy_terms/{one['id']}").json() == one
    assert client.get("/api/taxonomy_terms?top_only=true").json()["total_items"] == 15  # a flat list
    assert client.get(f"/api/taxonomy_terms?parent_id={one['id']}").json()["total_items"] == 0
    assert client.get("/api/taxonomy_terms?taxonomy_id=elsewhere").json()["empty"] is True


@pytest.mark.parametrize("query, parameter", [
    ("page=0", "page"),
    ("page=two", "page"),
    ("per_page=abc", "per_page"),
    ("per_page=100000", "per_page"),
    ("per_page=0", "per_page"),
    ("modified_after=yesterday", "modified_after"),
    ("proximity=1000", "proximity"),
    ("postcode=SR9 9ZZ", "postcode"),
    ("postcode=not a postcode", "postcode"),
    ("postcode=SR2 8JZ&proximity=-5", "proximity"),
    ("postcode=SR2 8JZ&proximity=far", "proximity"),
    ("full_service=perhaps", "full_service"),
    ("status=sleeping", "status"),
    ("format=xml", "format"),
    ("day=someday", "day"),
    ("start_time=teatime", "start_time"),
])
def test_bad_parameters_are_refused_by_name(client, query, parameter):
    response = client.get(f"/api/services?{query}")
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert body["error"] == "invalid parameter" and body["parameter"] == parameter and body["detail"]


def test_bad_parameters_on_other_lists(client):
    assert client.get("/api/service_at_locations?proximity=10").json()["parameter"] == "proximity"
    assert client.get("/api/organizations?per_page=501").json()["parameter"] == "per_page"
    assert client.get("/api/taxonomy_terms?top_only=maybe").json()["parameter"] == "top_only"


@pytest.mark.parametrize("path", ["/api/services/missing", "/api/organizations/missing",
                                  "/api/service_at_locations/missing", "/api/taxonomies/missing",
                                  "/api/taxonomy_terms/missing", "/api/no_such_endpoint"])
def test_missing_things_are_json_404s_with_cors(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.headers["access-control-allow-origin"] == "*"
    assert response.json()["error"] == "not found"


def test_cors_on_every_answer_and_preflight(client):
    for path in ("/api/services?per_page=1", "/api/organizations?per_page=1", "/api/taxonomies",
                 "/api/taxonomy_terms?per_page=1", "/api/service_at_locations?per_page=1"):
        response = client.get(path, headers={"Origin": "https://example.org"})
        assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"
    preflight = client.options("/api/services", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "accept"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "accept"


def test_the_api_is_read_only(client):
    response = client.post("/api/services", json={"name": "Sneaky"})
    assert response.status_code == 405 and response.headers["access-control-allow-origin"] == "*"
    assert client.get("/api/services?search=Sneaky").json()["total_items"] == 0


def test_trailing_slash_is_forgiven(client):
    response = client.get("/api/services/?per_page=2")
    assert response.status_code == 200 and response.json()["size"] == 2
