"""The matching prefilter's index, derived from the HSDS rows.

Matching must answer from 100,000 listings in milliseconds, so where a service can be met
(`directory_service_point`) and which needs it meets (`directory_service_need`) are kept
flat and indexed. The importer refreshes the services it touched; anything that edits
HSDS rows another way should call `refresh_search_index` with the service ids it changed
(or with none, to rebuild everything).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from community_directory.batches import chunks
from community_directory.models import (
    Attribute,
    Location,
    Service,
    ServiceAtLocation,
    ServiceNeed,
    ServicePoint,
    TaxonomyTerm,
)
from community_directory.needs import NEED_KEYS, needs_in_text

# ONS writes 99.999999, 0 for postcodes it cannot place; other feeds write 0, 0.
_NOWHERE = {(99.999999, 0.0), (0.0, 0.0)}


def usable_point(latitude: float | None, longitude: float | None) -> bool:
    if latitude is None or longitude is None:
        return False
    if (round(latitude, 6), round(longitude, 6)) in _NOWHERE:
        return False
    return -90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0


def services_for_locations(session: Session, location_ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(location_ids)):
        found.update(session.execute(
            select(ServiceAtLocation.service_id).where(ServiceAtLocation.location_id.in_(part))
        ).scalars())
    return found


def services_for_terms(session: Session, term_ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(term_ids)):
        found.update(session.execute(
            select(Attribute.link_id).where(Attribute.taxonomy_term_id.in_(part))
        ).scalars())
    return found


def refresh_search_index(session: Session, service_ids: Collection[str] | None = None) -> int:
    """Rebuild index rows for these services (all when None); returns how many were indexed."""
    if service_ids is None:
        session.execute(delete(ServicePoint))
        session.execute(delete(ServiceNeed))
        ids = list(session.execute(select(Service.id)).scalars())
    else:
        ids = sorted(service_ids)
        for part in chunks(ids):
            session.execute(delete(ServicePoint).where(ServicePoint.service_id.in_(part)))
            session.execute(delete(ServiceNeed).where(ServiceNeed.service_id.in_(part)))
    indexed = 0
    for part in chunks(ids, 2000):
        indexed += _index_part(session, part)
    return indexed


def _index_part(session: Session, ids: list[str]) -> int:
    services = session.execute(
        select(Service.id, Service.name, Service.description).where(Service.id.in_(ids))
    ).all()
    if not services:
        return 0
    present = [s.id for s in services]

    points: list[dict[str, object]] = []
    located: set[str] = set()
    rows = session.execute(
        select(ServiceAtLocation.service_id, Location.id, Location.latitude, Location.longitude)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(ServiceAtLocation.service_id.in_(present))
    ).all()
    for service_id, location_id, lat, lon in rows:
        if usable_point(lat, lon):
            points.append({"service_id": service_id, "location_id": location_id, "latitude": lat, "longitude": lon})
            located.add(service_id)
    for sid in present:
        if sid not in located:  # online, phone or not yet geocoded: still offered, without a distance
            points.append({"service_id": sid, "location_id": None, "latitude": None, "longitude": None})

    classified: dict[str, set[str]] = defaultdict(set)
    for link_id, code in session.execute(
        select(Attribute.link_id, TaxonomyTerm.code)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Attribute.link_id.in_(present), TaxonomyTerm.code.in_(sorted(NEED_KEYS)))
    ):
        classified[link_id].add(code)
    needs: list[dict[str, str]] = []
    for sid, name, description in services:
        if classified.get(sid):
            needs.extend({"service_id": sid, "need_key": k, "source": "taxonomy"} for k in sorted(classified[sid]))
        else:  # not classified with our taxonomy: guess from its own words, trusted less
            words = f"{name or ''} {description or ''}"
            needs.extend({"service_id": sid, "need_key": k, "source": "text"} for k in needs_in_text(words))
    if points:
        session.execute(insert(ServicePoint), points)
    if needs:
        session.execute(insert(ServiceNeed), needs)
    return len(services)
