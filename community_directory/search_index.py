"""The matching prefilter's index, derived from the HSDS rows.

Matching must answer from 100,000 listings in milliseconds, so where a service can be met,
which needs it meets and who it is for are kept flat and indexed together in
`directory_service_point`, and the words it is found by in `directory_search_text` (with its
full-text index, text_search.py). The importer refreshes the services it touched; anything
that edits HSDS rows another way should call `refresh_search_index` with the service ids it
changed (or with none, to rebuild everything).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from community_directory.batches import chunks
from community_directory.listing_facts import audience_tags
from community_directory.models import (
    Attribute,
    Location,
    Service,
    ServiceAtLocation,
    ServicePoint,
    TaxonomyTerm,
)
from community_directory.needs import NEED_KEYS, needs_in_text
from community_directory.text_search import clear_text_rows, refresh_text_rows

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
        clear_text_rows(session)
        ids = list(session.execute(select(Service.id)).scalars())
    else:
        ids = sorted(service_ids)
        for part in chunks(ids):
            session.execute(delete(ServicePoint).where(ServicePoint.service_id.in_(part)))
        refresh_text_rows(session, {}, removed=ids)  # deleted services lose their text too
    indexed = 0
    for part in chunks(ids, 2000):
        indexed += _index_part(session, part)
    return indexed


def _index_part(session: Session, ids: Sequence[str]) -> int:
    services = session.execute(
        select(Service.id, Service.name, Service.description, Service.alternate_name,
               Service.eligibility_description).where(Service.id.in_(ids))
    ).all()
    if not services:
        return 0
    present = [s.id for s in services]

    places: dict[str, list[tuple[str | None, float | None, float | None]]] = defaultdict(list)
    rows = session.execute(
        select(ServiceAtLocation.service_id, Location.id, Location.latitude, Location.longitude)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(ServiceAtLocation.service_id.in_(present))
    ).all()
    for service_id, location_id, lat, lon in rows:
        if usable_point(lat, lon):
            places[service_id].append((location_id, lat, lon))

    classified: dict[str, set[str]] = defaultdict(set)
    term_words: dict[str, list[str]] = defaultdict(list)
    for link_id, code, term_name in session.execute(
        select(Attribute.link_id, TaxonomyTerm.code, TaxonomyTerm.name)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Attribute.link_id.in_(present))
    ):
        if code in NEED_KEYS:
            classified[link_id].add(code)  # our own needs are matched by key, not by their broad words
        else:
            term_words[link_id].append(term_name or code or "")

    documents = {sid: (f"{name or ''} {alternate_name or ''}", f"{description or ''} {eligibility or ''}",
                       " ".join(sorted(term_words.get(sid, []))))
                 for sid, name, description, alternate_name, eligibility in services}
    search_ids = refresh_text_rows(session, documents)
    entries: list[dict[str, object]] = []
    for sid, name, description, _alternate_name, eligibility in services:
        audience = " ".join(sorted(audience_tags(name, description, eligibility))) or None
        if classified.get(sid):
            needs = [(k, "taxonomy") for k in sorted(classified[sid])]
        else:  # not classified with our taxonomy: guess from its own words, trusted less
            needs = [(k, "text") for k in needs_in_text(f"{name or ''} {description or ''}")]
        # online, phone or not yet geocoded: still offered, without a distance
        for location_id, lat, lon in places.get(sid) or [(None, None, None)]:
            for need_key, source in [("", None), *needs]:
                entries.append({"service_id": sid, "location_id": location_id, "need_key": need_key,
                                "source": source, "latitude": lat, "longitude": lon, "audience": audience,
                                "search_id": search_ids.get(sid)})
    if entries:
        session.execute(insert(ServicePoint), entries)
    return len(services)
