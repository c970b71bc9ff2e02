"""Queries behind the HSDS API (the lead's web layer calls these, then serialise.*).

Every list function returns (items, total) for one page, with the relationships its
serialiser needs already loaded. Parameters follow the HSDS 3.0 / Open Referral UK API:
search, page, per_page, taxonomy_term_id, taxonomy_id, organization_id, modified_after,
minimum_age, maximum_age, day, start_time, end_time, postcode + proximity. Proximity is
in miles here (HSDS says metres: the API layer converts with METRES_PER_MILE).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from community_directory import values as v
from community_directory.geography import PostcodeLookup, bounding_box, distance_miles, lookup_postcode
from community_directory.models import (
    Attribute,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServicePoint,
    Taxonomy,
    TaxonomyTerm,
)
from community_directory.schedules import DAY_CODES, wanted_days
from community_directory.serialise import (
    FULL,
    SERVICE_AT_LOCATION_LIST_ITEM,
    SERVICE_LIST_ITEM,
    TAXONOMY_TERM_SHAPE,
    Shape,
    preload,
    preload_organization,
)

METRES_PER_MILE = 1609.344
MAX_PER_PAGE = 1000


class PostcodeNotFound(ValueError):
    """The postcode could not be placed; `lookup.message` says why in plain words."""

    def __init__(self, lookup: PostcodeLookup) -> None:
        super().__init__(lookup.message or f"postcode {lookup.query!r} not found")
        self.lookup = lookup


def _page_bounds(page: int, per_page: int) -> tuple[int, int]:
    page = max(int(page or 1), 1)
    per_page = min(max(int(per_page or 50), 1), MAX_PER_PAGE)
    return (page - 1) * per_page, per_page


def _like_literal(word: str) -> str:
    """`word` as a LIKE pattern matching itself: % and _ are letters a user typed, not wildcards."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search(columns: Sequence[Any], text: str | None) -> Any:
    """Every word must appear in one of the columns (case-insensitive)."""
    words = [w for w in (text or "").split() if w]
    if not words:
        return None
    return and_(*(or_(*(c.ilike(f"%{_like_literal(w)}%", escape="\\") for c in columns)) for w in words))


def _paged(session: Session, query: Select[Any], order: Any, page: int, per_page: int,
           shape: Shape) -> tuple[list[Any], int]:
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    offset, limit = _page_bounds(page, per_page)
    items = list(session.execute(query.order_by(*order).offset(offset).limit(limit)).scalars().all())
    preload(session, items, shape)
    return items, total


def _by_ids(session: Session, model: Any, ids: list[str], shape: Shape) -> list[Any]:
    found = {x.id: x for x in session.execute(select(model).where(model.id.in_(ids))).scalars()}
    items = [found[i] for i in ids if i in found]
    preload(session, items, shape)
    return items


def _service_filters(
    *,
    search: str | None,
    taxonomy_term_id: str | None,
    taxonomy_id: str | None,
    organization_id: str | None,
    modified_after: str | datetime | None,
    minimum_age: float | None,
    maximum_age: float | None,
    day: str | None,
    start_time: str | None,
    end_time: str | None,
    status: str | None,
) -> list[Any]:
    conditions: list[Any] = []
    text = _search([Service.name, Service.description, Service.alternate_name], search)
    if text is not None:
        conditions.append(text)
    if taxonomy_term_id:
        conditions.append(exists().where(Attribute.link_id == Service.id,
                                         Attribute.taxonomy_term_id == taxonomy_term_id))
    if taxonomy_id:
        conditions.append(exists().where(Attribute.link_id == Service.id,
                                         Attribute.taxonomy_term_id == TaxonomyTerm.id,
                                         TaxonomyTerm.taxonomy_id == taxonomy_id))
    if organization_id:
        conditions.append(Service.organization_id == organization_id)
    if modified_after:
        moment = v.parse_datetime(modified_after)
        conditions.append(Service.last_modified >= moment)
    if minimum_age is not None:  # ORUK: services whose minimum age is at least this
        conditions.append(Service.minimum_age >= minimum_age)
    if maximum_age is not None:  # ORUK: services whose maximum age is at most this
        conditions.append(Service.maximum_age <= maximum_age)
    if status:
        conditions.append(Service.status == status)
    schedule_conditions: list[Any] = []
    if day:
        codes = wanted_days([day]) or ({day.upper()[:2]} & set(DAY_CODES))
        schedule_conditions.append(or_(*(Schedule.byday.like(f"%{code}%") for code in sorted(codes))))
    if start_time:
        schedule_conditions.append(Schedule.opens_at >= start_time)
    if end_time:
        schedule_conditions.append(Schedule.closes_at <= end_time)
    if schedule_conditions:
        via_location = select(ServiceAtLocation.id).where(ServiceAtLocation.service_id == Service.id)
        conditions.append(exists().where(
            or_(Schedule.service_id == Service.id, Schedule.service_at_location_id.in_(via_location)),
            *schedule_conditions,
        ))
    return conditions


def _place(session: Session, postcode: str) -> PostcodeLookup:
    found = lookup_postcode(session, postcode)
    if not found.found:
        raise PostcodeNotFound(found)
    return found


def _distances(session: Session, service_ids: Select[Any], lat: float, lon: float,
               proximity_miles: float | None) -> dict[str, float | None]:
    """Nearest distance per service (None: no geocoded place), within proximity when given."""
    query = select(ServicePoint.service_id, ServicePoint.latitude, ServicePoint.longitude).where(
        ServicePoint.need_key == "", ServicePoint.service_id.in_(service_ids)
    )
    if proximity_miles is not None:
        lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(lat, lon, proximity_miles)
        query = query.where(ServicePoint.latitude.between(lat_lo, lat_hi),
                            ServicePoint.longitude.between(lon_lo, lon_hi))
    nearest: dict[str, float | None] = {}
    for sid, plat, plon in session.execute(query):
        if plat is None:
            nearest.setdefault(sid, None)
            continue
        d = distance_miles(lat, lon, plat, plon)
        if proximity_miles is not None and d > proximity_miles:
            continue
        if nearest.get(sid) is None or d < nearest[sid]:  # type: ignore[operator]
            nearest[sid] = d
    return nearest


def list_services(
    session: Session,
    *,
    search: str | None = None,
    page: int = 1,
    per_page: int = 50,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    organization_id: str | None = None,
    modified_after: str | datetime | None = None,
    minimum_age: float | None = None,
    maximum_age: float | None = None,
    day: str | None = None,
    start_time: str | None = None,
    end_time: str | None = None,
    postcode: str | None = None,
    proximity_miles: float | None = None,
    status: str | None = None,
    full: bool = False,
) -> tuple[list[Service], int]:
    """GET /services. With a postcode, nearest first (and only within proximity when given);
    raises PostcodeNotFound for a postcode we cannot place."""
    conditions = _service_filters(
        search=search, taxonomy_term_id=taxonomy_term_id, taxonomy_id=taxonomy_id,
        organization_id=organization_id, modified_after=modified_after, minimum_age=minimum_age,
        maximum_age=maximum_age, day=day, start_time=start_time, end_time=end_time, status=status,
    )
    shape = FULL if full else SERVICE_LIST_ITEM
    query = select(Service).where(*conditions)
    if not postcode:
        return _paged(session, query, [Service.name, Service.id], page, per_page, shape)
    place = _place(session, postcode)
    ids = select(Service.id).where(*conditions)
    nearest = _distances(session, ids, place.lat, place.lon, proximity_miles)  # type: ignore[arg-type]
    ordered = sorted(nearest, key=lambda sid: (nearest[sid] is None, nearest[sid] or 0.0, sid))
    offset, limit = _page_bounds(page, per_page)
    return _by_ids(session, Service, ordered[offset:offset + limit], shape), len(ordered)


def get_service(session: Session, service_id: str) -> Service | None:
    """GET /services/{id}, loaded for serialise.service_full."""
    service = session.get(Service, service_id)
    if service is not None:
        preload(session, [service], FULL)
    return service


def list_service_at_locations(
    session: Session,
    *,
    search: str | None = None,
    page: int = 1,
    per_page: int = 50,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    organization_id: str | None = None,
    modified_after: str | datetime | None = None,
    minimum_age: float | None = None,
    maximum_age: float | None = None,
    day: str | None = None,
    start_time: str | None = None,
    end_time: str | None = None,
    postcode: str | None = None,
    proximity_miles: float | None = None,
    status: str | None = None,
    full: bool = False,
) -> tuple[list[ServiceAtLocation], int]:
    """GET /service_at_locations; the service filters apply to each row's service."""
    conditions = _service_filters(
        search=search, taxonomy_term_id=taxonomy_term_id, taxonomy_id=taxonomy_id,
        organization_id=organization_id, modified_after=modified_after, minimum_age=minimum_age,
        maximum_age=maximum_age, day=day, start_time=start_time, end_time=end_time, status=status,
    )
    shape = FULL if full else SERVICE_AT_LOCATION_LIST_ITEM
    query = select(ServiceAtLocation).join(Service, Service.id == ServiceAtLocation.service_id).where(*conditions)
    if not postcode:
        return _paged(session, query, [Service.name, ServiceAtLocation.id], page, per_page, shape)
    place = _place(session, postcode)
    located = (
        select(ServiceAtLocation.id, Location.latitude, Location.longitude)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(*conditions)
    )
    if proximity_miles is not None:  # only rows in the surrounding box can be near enough
        lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(place.lat, place.lon, proximity_miles)  # type: ignore[arg-type]
        located = located.where(Location.latitude.between(lat_lo, lat_hi), Location.longitude.between(lon_lo, lon_hi))
    rows = session.execute(located).all()
    distances: dict[str, float | None] = {}
    for sal_id, lat, lon in rows:
        d = None
        if lat is not None and lon is not None:
            d = distance_miles(place.lat, place.lon, lat, lon)  # type: ignore[arg-type]
        if proximity_miles is not None and (d is None or d > proximity_miles):
            continue
        distances[sal_id] = d
    ordered = sorted(distances, key=lambda i: (distances[i] is None, distances[i] or 0.0, i))
    offset, limit = _page_bounds(page, per_page)
    return _by_ids(session, ServiceAtLocation, ordered[offset:offset + limit], shape), len(ordered)


def get_service_at_location(session: Session, sal_id: str) -> ServiceAtLocation | None:
    """GET /service_at_locations/{id}, loaded for serialise.service_at_location_full."""
    sal = session.get(ServiceAtLocation, sal_id)
    if sal is not None:
        preload(session, [sal], FULL)
    return sal


def list_organizations(session: Session, *, search: str | None = None, page: int = 1,
                       per_page: int = 50) -> tuple[list[Organization], int]:
    """GET /organizations."""
    query = select(Organization)
    text = _search([Organization.name, Organization.description, Organization.alternate_name], search)
    if text is not None:
        query = query.where(text)
    return _paged(session, query, [Organization.name, Organization.id], page, per_page, None)


def get_organization(session: Session, organization_id: str, *, full_service: bool = False) -> Organization | None:
    """GET /organizations/{id}, loaded for serialise.organization_full(full_service=...)."""
    organization = session.get(Organization, organization_id)
    if organization is not None:
        preload_organization(session, [organization], full_service=full_service)
    return organization


def list_taxonomies(session: Session, *, search: str | None = None, page: int = 1,
                    per_page: int = 50) -> tuple[list[Taxonomy], int]:
    query = select(Taxonomy)
    text = _search([Taxonomy.name, Taxonomy.description], search)
    if text is not None:
        query = query.where(text)
    return _paged(session, query, [Taxonomy.name, Taxonomy.id], page, per_page, None)


def list_taxonomy_terms(session: Session, *, search: str | None = None, page: int = 1, per_page: int = 50,
                        taxonomy_id: str | None = None, parent_id: str | None = None,
                        top_only: bool = False) -> tuple[list[TaxonomyTerm], int]:
    query = select(TaxonomyTerm)
    text = _search([TaxonomyTerm.name, TaxonomyTerm.description, TaxonomyTerm.code], search)
    if text is not None:
        query = query.where(text)
    if taxonomy_id:
        query = query.where(TaxonomyTerm.taxonomy_id == taxonomy_id)
    if parent_id:
        query = query.where(TaxonomyTerm.parent_id == parent_id)
    if top_only:
        query = query.where(TaxonomyTerm.parent_id.is_(None))
    return _paged(session, query, [TaxonomyTerm.name, TaxonomyTerm.id], page, per_page, TAXONOMY_TERM_SHAPE)
