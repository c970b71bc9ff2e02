"""Queries the API needs that community_directory.queries does not offer (yet).

Its `list_service_at_locations` cannot filter by service status, and the API must not list
rows for inactive services, so this one adds that; everything else is delegated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from community_directory.geography import PostcodeLookup, bounding_box, distance_miles
from community_directory.models import Location, Service, ServiceAtLocation
from community_directory.queries import _service_filters  # shared so both lists filter alike
from community_directory.serialise import FULL, SERVICE_AT_LOCATION_LIST_ITEM, preload


def list_service_at_locations(
    session: Session,
    *,
    page: int,
    per_page: int,
    place: PostcodeLookup | None = None,
    proximity_miles: float | None = None,
    status: str | None = "active",
    full: bool = False,
    **filters: Any,
) -> tuple[list[ServiceAtLocation], int]:
    """One page of service_at_location rows; with a place, nearest first (unplaced rows last,
    or left out when a proximity is given)."""
    conditions = _service_filters(status=status, **filters)
    shape = FULL if full else SERVICE_AT_LOCATION_LIST_ITEM
    offset = (page - 1) * per_page
    base = select(ServiceAtLocation).join(Service, Service.id == ServiceAtLocation.service_id).where(*conditions)
    if place is None:
        total = session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        rows = list(session.execute(
            base.order_by(Service.name, ServiceAtLocation.id).offset(offset).limit(per_page)).scalars())
        preload(session, rows, shape)
        return rows, total

    assert place.lat is not None and place.lon is not None
    query = (select(ServiceAtLocation.id, Location.latitude, Location.longitude)
             .join(Service, Service.id == ServiceAtLocation.service_id)
             .join(Location, Location.id == ServiceAtLocation.location_id)
             .where(*conditions))
    if proximity_miles is not None:
        lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(place.lat, place.lon, proximity_miles)
        query = query.where(Location.latitude.between(lat_lo, lat_hi), Location.longitude.between(lon_lo, lon_hi))
    distances: dict[str, float | None] = {}
    for sal_id, lat, lon in session.execute(query):
        d = distance_miles(place.lat, place.lon, lat, lon) if lat is not None and lon is not None else None
        if proximity_miles is not None and (d is None or d > proximity_miles):
            continue
        distances[sal_id] = d
    ordered = sorted(distances, key=lambda i: (distances[i] is None, distances[i] or 0.0, i))
    wanted = ordered[offset:offset + per_page]
    found = {s.id: s for s in session.execute(
        select(ServiceAtLocation).where(ServiceAtLocation.id.in_(wanted))).scalars()}
    rows = [found[i] for i in wanted if i in found]
    preload(session, rows, shape)
    return rows, len(ordered)
