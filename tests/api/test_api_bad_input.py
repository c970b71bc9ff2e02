"""Hostile and odd parameters get a 400 naming them, with CORS, never a 500; the API's own address."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import or_, select

from bot.app import create_app
from bot.config import load_settings
from community_directory.models import Service


def refused(response, parameter):
    assert response.status_code == 400, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json()["parameter"] == parameter
    return response.json()


@pytest.mark.parametrize("path", ["/api/services", "/api/service_at_locations", "/api/organizations",
                                  "/api/taxonomies", "/api/taxonomy_terms"])
def test_a_huge_page_number_is_refused_by_name(client, path):
    refused(client.get(f"{path}?page=99999999999999999999"), "page")
    refused(client.get(f"{path}?page=9999999999999"), "page")
    assert client.get(f"{path}?page=100000").status_code == 200


@pytest.mark.parametrize("name", ["search", "text"])
def test_a_thousand_word_search_is_refused_by_name(client, name):
    words = " ".join(f"word{i}" for i in range(1000))
    body = refused(client.get("/api/services", params={name: words}), name)
    assert "words" in body["detail"]
    refused(client.get("/api/organizations", params={name: "x" * 5000}), name)


def test_percent_and_underscore_are_letters_not_wildcards(client, db):
    everything = client.get("/api/services?status=any").json()["total_items"]
    for letter in ("%", "_"):
        columns = (Service.name, Service.description, Service.alternate_name)
        literal = db.scalars(select(Service.id).where(or_(*(c.contains(letter, autoescape=True) for c in columns))))
        body = client.get("/api/services", params={"search": letter, "status": "any"}).json()
        assert body["total_items"] == len(list(literal)) < everything


def test_minimal_gives_ids_and_modified_dates_only(client):
    body = client.get("/api/services?minimal=true&per_page=500").json()
    assert body["contents"] and all(set(item) == {"id", "last_modified"} for item in body["contents"])
    assert body["total_items"] == client.get("/api/services").json()["total_items"]
    refused(client.get("/api/services?minimal=true&full=true"), "minimal")
    refused(client.get("/api/services?minimal=perhaps"), "minimal")


def test_full_on_the_organization_list_is_refused_not_ignored(client):
    refused(client.get("/api/organizations?full=true"), "full")
    refused(client.get("/api/organizations?full_service=yes"), "full_service")
    assert client.get("/api/organizations?full=false").status_code == 200


def test_a_fault_of_ours_is_a_json_500_with_the_cors_header(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("bot.api.hsds.queries.list_services", broken)
    response = client.get("/api/services")
    assert response.status_code == 500 and response.headers["access-control-allow-origin"] == "*"
    assert response.json()["error"] == "server error" and "fell over" not in response.text


def test_the_app_openapi_document_lists_only_the_hsds_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert paths and all(path.startswith("/api/") for path in paths), sorted(paths)
    assert not any("console" in path or "chat" in path or "sms" in path for path in paths)


def test_without_public_url_the_api_advertises_no_loopback_address(client):
    assert client.get("/api/").json()["openapi_url"] == "/api/openapi.json"
    assert client.get("/api/openapi.json").json()["servers"] == [{"url": "/api"}]
    assert "127.0.0.1" not in client.get("/api/openapi.json").text


def test_with_public_url_the_api_advertises_it(api_db):
    settings = dataclasses.replace(load_settings(), database_url=api_db, rasa_url="http://127.0.0.1:9",
                                   public_url="https://directory.example.org", public_url_given=True)
    with TestClient(create_app(settings)) as c:
        assert c.get("/api/").json()["openapi_url"] == "https://directory.example.org/api/openapi.json"
        assert c.get("/api/openapi.json").json()["servers"] == [{"url": "https://directory.example.org/api"}]
