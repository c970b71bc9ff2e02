"""ORM rows to HSDS 3.0 JSON, shaped as the compiled schemas (schemas/compiled/*.json).

One walker driven by hsds_schema's nesting table serves every shape: the full service,
organization and service_at_location objects, and the slimmer list items. Empty values
are left out rather than written as null (HSDS types do not allow null). Local columns
appear only with include_local=True, under their `x_` names.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from community_directory import values as v
from community_directory.batches import chunks
from community_directory.hsds_schema import BY_MODEL, HsdsObject
from community_directory.models import Base, Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm

# A shape says which nested properties to write: FULL (all of them, recursively, except
# ones that would lead back to an object already being written), or a dict of
# {property: shape} with None meaning just that object's own fields.
FULL = "full"
Shape = str | dict[str, Any] | None

# Relationship attribute for a nested property, where the names differ.
_RELATIONSHIP = {"metadata": "metadata_records", "taxonomy_terms": "terms"}

SERVICE_LIST_ITEM: Shape = {"organization": None, "program": None}
SERVICE_AT_LOCATION_LIST_ITEM: Shape = {"location": None, "service": SERVICE_LIST_ITEM}
ORGANIZATION_LIST_ITEM: Shape = None
TAXONOMY_TERM_SHAPE: Shape = {"taxonomy_detail": None}


def format_value(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else v.format_number(value)
    if isinstance(value, datetime):
        return v.format_datetime(value)
    if isinstance(value, date):
        return v.format_date(value)
    return value


def fields_of(instance: Base, obj: HsdsObject | None = None, include_local: bool = False) -> dict[str, Any]:
    """The object's own HSDS fields that have a value, in specification order."""
    obj = obj or BY_MODEL[type(instance)]
    out: dict[str, Any] = {}
    for name in obj.fields:
        value = format_value(getattr(instance, name))
        if value is not None:
            out[name] = value
    if include_local:
        for file_name, column in obj.extensions.items():
            value = format_value(getattr(instance, column))
            if value is not None:
                out[file_name] = value
    return out


def to_hsds(instance: Base, shape: Shape = FULL, *, include_local: bool = False,
            _ancestors: tuple[str, ...] = ()) -> dict[str, Any]:
    obj = BY_MODEL[type(instance)]
    out = fields_of(instance, obj, include_local)
    ancestors = _ancestors + (obj.name,)
    for nested, child_shape in _chosen(obj, shape, ancestors):
        value = getattr(instance, _RELATIONSHIP.get(nested.key, nested.key))
        if nested.many:
            out[nested.key] = [to_hsds(c, child_shape, include_local=include_local, _ancestors=ancestors)
                               for c in value]
        elif value is not None:
            out[nested.key] = to_hsds(value, child_shape, include_local=include_local, _ancestors=ancestors)
    return out


# -- the shapes the HSDS API returns --------------------------------------------------------


def service_full(service: Service, *, include_local: bool = False) -> dict[str, Any]:
    """GET /services/{id}: schemas/compiled/service.json."""
    return to_hsds(service, FULL, include_local=include_local)


def service_list_item(service: Service, *, include_local: bool = False) -> dict[str, Any]:
    """An item of GET /services: schemas/compiled/service_list.json."""
    return to_hsds(service, SERVICE_LIST_ITEM, include_local=include_local)


ORGANIZATION_SERVICE_ITEM: Shape = {"program": None}


def organization_full(organization: Organization, *, full_service: bool = False,
                      include_local: bool = False) -> dict[str, Any]:
    """GET /organizations/{id}: schemas/compiled/organization.json; services as list items
    unless full_service."""
    out = to_hsds(organization, FULL, include_local=include_local, _ancestors=("service",))
    shape = FULL if full_service else ORGANIZATION_SERVICE_ITEM
    out["services"] = [to_hsds(s, shape, include_local=include_local, _ancestors=("organization",))
                       for s in organization.services]
    return out


def preload_organization(session: Session, organizations: list[Organization], *, full_service: bool = False,
                         with_services: bool = True) -> None:
    """Load what organization_full writes (services too unless with_services=False)."""
    preload(session, organizations, FULL, _ancestors=("service",))
    if with_services:
        relationship = Organization.services.property
        services = _fill(session, organizations, relationship)
        preload(session, services, FULL if full_service else ORGANIZATION_SERVICE_ITEM, _ancestors=("organization",))


def organization_list_item(organization: Organization) -> dict[str, Any]:
    """An item of GET /organizations: schemas/compiled/organization_list.json."""
    return to_hsds(organization, ORGANIZATION_LIST_ITEM)


def service_at_location_full(sal: ServiceAtLocation, *, include_local: bool = False) -> dict[str, Any]:
    """GET /service_at_locations/{id}: schemas/compiled/service_at_location.json."""
    return to_hsds(sal, FULL, include_local=include_local)


def service_at_location_list_item(sal: ServiceAtLocation, *, include_local: bool = False) -> dict[str, Any]:
    """An item of GET /service_at_locations: schemas/compiled/service_at_location_list.json."""
    return to_hsds(sal, SERVICE_AT_LOCATION_LIST_ITEM, include_local=include_local)


def taxonomy(item: Taxonomy) -> dict[str, Any]:
    return to_hsds(item, None)


def taxonomy_term(item: TaxonomyTerm) -> dict[str, Any]:
    return to_hsds(item, TAXONOMY_TERM_SHAPE)


def page(contents: list[dict[str, Any]], total_items: int, page_number: int, per_page: int) -> dict[str, Any]:
    """The HSDS paged-list envelope (openapi.json components/schemas/Page)."""
    per_page = max(per_page, 1)
    total_pages = max(math.ceil(total_items / per_page), 1)
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number <= 1,
        "last_page": page_number >= total_pages,
        "empty": len(contents) == 0,
        "contents": contents,
    }


# -- loading what a shape needs ------------------------------------------------------------


def _chosen(obj: HsdsObject, shape: Shape, ancestors: tuple[str, ...]) -> list[tuple[Any, Shape]]:
    """(nested spec, child shape) pairs a shape writes for this object."""
    out: list[tuple[Any, Shape]] = []
    if shape is None:
        return out
    for nested in obj.nested:
        if shape == FULL:
            if nested.object_name not in ancestors:
                out.append((nested, FULL))
        elif nested.key in shape:
            out.append((nested, shape[nested.key]))  # type: ignore[index]
    return out


def preload(session: Session, instances: list[Any], shape: Shape = FULL, *,
            _ancestors: tuple[str, ...] = ()) -> None:
    """Fill every relationship a shape will write, one IN query per relationship and level.

    Like selectinload, but paths with nothing in them stop at once and there is no option
    tree to plan, so a full service costs a few dozen small queries and a batch of 500
    costs about the same.
    """
    if not instances or shape is None:
        return
    model = type(instances[0])
    obj = BY_MODEL[model]
    ancestors = _ancestors + (obj.name,)
    for nested, child_shape in _chosen(obj, shape, ancestors):
        relationship = getattr(model, _RELATIONSHIP.get(nested.key, nested.key)).property
        children = _fill(session, instances, relationship)
        preload(session, children, child_shape, _ancestors=ancestors)


def _fill(session: Session, parents: list[Any], relationship: Any) -> list[Any]:
    (local, remote), = relationship.local_remote_pairs
    target = relationship.mapper.class_
    keys = sorted({getattr(p, local.key) for p in parents} - {None})
    found: dict[Any, list[Any]] = defaultdict(list)
    for part in chunks(keys):
        for child in session.execute(select(target).where(remote.in_(part))).scalars():
            found[getattr(child, remote.key)].append(child)
    children: dict[int, Any] = {}
    for parent in parents:
        matched = sorted(found.get(getattr(parent, local.key), []), key=lambda c: c.id)
        for child in matched:
            children[id(child)] = child
        set_committed_value(parent, relationship.key, matched if relationship.uselist else
                            (matched[0] if matched else None))
    return list(children.values())
