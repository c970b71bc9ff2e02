"""The directory as an HSDS 3.0 / Open Referral UK API under /api: open, read-only, CORS.

Lists show active services only unless `status` says otherwise; any service can still be
fetched by id. Responses add the local `x_is_demo`, `x_is_full` and `x_last_verified_at`
fields (x_ names are allowed for local properties), so a consumer can tell the fictional
demo listings from real ones. `x_verified_by` names a curator, so it is never published.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bot.api.cors import PREFLIGHT_HEADERS, CorsRoute, NotFound
from bot.api.params import BadParameter, Params
from community_directory import queries, serialise
from community_directory.exporting import HSDS_PROFILE
from community_directory.geography import PostcodeLookup, lookup_postcode
from community_directory.models import Taxonomy, TaxonomyTerm
from community_directory.schemas import load_schema

router = APIRouter(prefix="/api", route_class=CorsRoute, tags=["HSDS"])
HSDS_VERSION = "3.0"
PRIVATE_FIELDS = frozenset({"x_verified_by"})


def _public(document: Any) -> Any:
    """The document without fields that identify staff (nested services included)."""
    if isinstance(document, dict):
        return {k: _public(v) for k, v in document.items() if k not in PRIVATE_FIELDS}
    if isinstance(document, list):
        return [_public(v) for v in document]
    return document


def _json(document: Any) -> JSONResponse:
    return JSONResponse(_public(document))


def _sessions(request: Request) -> Session:
    return request.app.state.sessions()


def _place(session: Session, params: Params) -> PostcodeLookup | None:
    """Where `postcode` is; a full postcode we do not know is refused rather than guessed."""
    postcode = params.text("postcode")
    if postcode is None:
        return None
    found = lookup_postcode(session, postcode)
    exact_unknown = found.status == "outward_only" and found.postcode is not None and " " in found.postcode
    if not found.found or exact_unknown:
        detail = ("is not a UK postcode" if found.status == "malformed"
                  else f"{found.postcode or postcode} is not a postcode this directory knows")
        raise BadParameter("postcode", detail)
    return found


def _service_filters(params: Params) -> dict[str, Any]:
    return {
        "search": params.search(),
        "taxonomy_term_id": params.text("taxonomy_term_id"),
        "taxonomy_id": params.text("taxonomy_id"),
        "organization_id": params.text("organization_id"),
        "modified_after": params.moment("modified_after"),
        "minimum_age": params.number("minimum_age"),
        "maximum_age": params.number("maximum_age"),
        "day": params.day(),
        "start_time": params.time_of_day("start_time"),
        "end_time": params.time_of_day("end_time"),
    }


# -- about the API ----------------------------------------------------------------------------


def _base(request: Request) -> str:
    """PUBLIC_URL when it is set; otherwise "" (links relative to wherever the API was reached),
    so the API never advertises a loopback address that nobody else can open."""
    settings = request.app.state.settings
    return settings.public_url if settings.public_url_given else ""


@router.get("/")
def api_info(request: Request) -> JSONResponse:
    base = _base(request)
    return JSONResponse({"version": HSDS_VERSION, "profile": HSDS_PROFILE, "openapi_url": f"{base}/api/openapi.json"})


@lru_cache(maxsize=4)
def _openapi(base: str) -> dict[str, Any]:
    document = copy.deepcopy(load_schema("openapi"))
    document["info"] = {
        "title": "Community Connect directory (HSDS 3.0, Open Referral UK)",
        "version": HSDS_VERSION,
        "description": "Community groups and services in Sunderland. Lists show active services; "
                       "proximity is in metres (HSDS), or use proximity_miles. Local fields start x_.",
        "license": {"name": "CC BY-SA 4.0 (the HSDS specification)",
                    "url": "https://creativecommons.org/licenses/by-sa/4.0/"},
    }
    document["servers"] = [{"url": f"{base}/api"}]
    return document


@router.get("/openapi.json")
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(_openapi(_base(request)))


# -- services -----------------------------------------------------------------------------


@router.get("/services")
def list_services(request: Request) -> JSONResponse:
    params = Params(request.query_params)
    params.only_json()
    page, per_page = params.paging()
    filters, status = _service_filters(params), params.status()
    full, minimal = params.flag("full_service", "full"), params.flag("minimal")
    if full and minimal:
        raise BadParameter("minimal", "cannot be combined with full: choose one")
    with _sessions(request) as session:
        place = _place(session, params)
        miles = params.proximity_miles(place.query if place else None)
        items, total = queries.list_services(
            session, page=page, per_page=per_page, status=status, full=full, **filters,
            postcode=place.postcode if place else None, proximity_miles=miles,
        )
        if minimal:  # HSDS: just each service's id and when it last changed
            contents = [{"id": s.id, "last_modified": s.last_modified.isoformat() if s.last_modified else None}
                        for s in items]
        else:
            write = serialise.service_full if full else serialise.service_list_item
            contents = [write(s, include_local=True) for s in items]
    return _json(serialise.page(contents, total, page, per_page))


@router.get("/services/{service_id}")
def get_service(request: Request, service_id: str) -> JSONResponse:
    with _sessions(request) as session:
        service = queries.get_service(session, service_id)
        if service is None:
            raise NotFound("service", service_id)
        return _json(serialise.service_full(service, include_local=True))


# -- service at locations -------------------------------------------------------------------


@router.get("/service_at_locations")
def list_sals(request: Request) -> JSONResponse:
    params = Params(request.query_params)
    params.only_json()
    page, per_page = params.paging()
    filters, status = _service_filters(params), params.status()
    full = params.flag("full")
    with _sessions(request) as session:
        place = _place(session, params)
        miles = params.proximity_miles(place.query if place else None)
        items, total = queries.list_service_at_locations(
            session, page=page, per_page=per_page, status=status, full=full, **filters,
            postcode=place.postcode if place else None, proximity_miles=miles,
        )
        write = serialise.service_at_location_full if full else serialise.service_at_location_list_item
        contents = [write(s, include_local=True) for s in items]
    return _json(serialise.page(contents, total, page, per_page))


@router.get("/service_at_locations/{sal_id}")
def get_sal(request: Request, sal_id: str) -> JSONResponse:
    with _sessions(request) as session:
        sal = queries.get_service_at_location(session, sal_id)
        if sal is None:
            raise NotFound("service_at_location", sal_id)
        return _json(serialise.service_at_location_full(sal, include_local=True))


# -- organizations ------------------------------------------------------------------------


@router.get("/organizations")
def list_organizations(request: Request) -> JSONResponse:
    params = Params(request.query_params)
    params.only_json()
    page, per_page = params.paging()
    for name in ("full", "full_service"):
        params.refuse(name, "is not offered on the list of organizations: fetch /organizations/{id} for the "
                            "full organization")
    with _sessions(request) as session:
        items, total = queries.list_organizations(session, search=params.search(),
                                                  page=page, per_page=per_page)
        contents = [serialise.organization_list_item(o) for o in items]
    return _json(serialise.page(contents, total, page, per_page))


@router.get("/organizations/{organization_id}")
def get_organization(request: Request, organization_id: str) -> JSONResponse:
    params = Params(request.query_params)
    full_service = params.flag("full_service")
    with _sessions(request) as session:
        organization = queries.get_organization(session, organization_id, full_service=full_service)
        if organization is None:
            raise NotFound("organization", organization_id)
        document = serialise.organization_full(organization, full_service=full_service, include_local=True)
    # Inactive services stay out of lists, this one included; fetch them by id.
    document["services"] = [s for s in document.get("services", []) if s.get("status") == "active"]
    return _json(document)


# -- taxonomies -----------------------------------------------------------------------------


@router.get("/taxonomies")
def list_taxonomies(request: Request) -> JSONResponse:
    params = Params(request.query_params)
    params.only_json()
    page, per_page = params.paging()
    with _sessions(request) as session:
        items, total = queries.list_taxonomies(session, search=params.search(),
                                               page=page, per_page=per_page)
        contents = [serialise.taxonomy(t) for t in items]
    return _json(serialise.page(contents, total, page, per_page))


@router.get("/taxonomies/{taxonomy_id}")
def get_taxonomy(request: Request, taxonomy_id: str) -> JSONResponse:
    with _sessions(request) as session:
        item = session.get(Taxonomy, taxonomy_id)
        if item is None:
            raise NotFound("taxonomy", taxonomy_id)
        return _json(serialise.taxonomy(item))


@router.get("/taxonomy_terms")
def list_taxonomy_terms(request: Request) -> JSONResponse:
    params = Params(request.query_params)
    params.only_json()
    page, per_page = params.paging()
    with _sessions(request) as session:
        items, total = queries.list_taxonomy_terms(
            session, search=params.search(), page=page, per_page=per_page,
            taxonomy_id=params.text("taxonomy_id"), parent_id=params.text("parent_id"),
            top_only=params.flag("top_only"),
        )
        contents = [serialise.taxonomy_term(t) for t in items]
    return _json(serialise.page(contents, total, page, per_page))


@router.get("/taxonomy_terms/{term_id}")
def get_taxonomy_term(request: Request, term_id: str) -> JSONResponse:
    with _sessions(request) as session:
        item = session.get(TaxonomyTerm, term_id)
        if item is None:
            raise NotFound("taxonomy_term", term_id)
        serialise.preload(session, [item], serialise.TAXONOMY_TERM_SHAPE)
        return _json(serialise.taxonomy_term(item))


# -- everything else under /api -------------------------------------------------------------


@router.options("/{rest:path}", include_in_schema=False)
def preflight(request: Request, rest: str) -> Response:
    asked = request.headers.get("access-control-request-headers")
    headers = {**PREFLIGHT_HEADERS, **({"Access-Control-Allow-Headers": asked} if asked else {})}
    return Response(status_code=204, headers=headers)


@router.api_route("/{rest:path}", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def read_only(rest: str) -> Response:
    return JSONResponse({"error": "method not allowed", "detail": "This API is read-only: use GET."},
                        status_code=405, headers={"Allow": "GET, OPTIONS"})


@router.get("/{rest:path}", include_in_schema=False)
def unknown(request: Request, rest: str) -> Response:
    """JSON (with CORS) for paths the API does not have; a trailing slash is forgiven."""
    if rest.endswith("/") and rest.strip("/"):
        target = f"/api/{rest.rstrip('/')}" + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=307)
    return JSONResponse({"error": "not found", "detail": f"The API has no endpoint /api/{rest}."}, status_code=404)
