"""Writing the directory out as an HSDS tabular data package or as HSDS JSON.

The CSV package holds every row of every HSDS table, so it round-trips exactly. The JSON
export is what another directory's API would serve: full services, full organizations,
locations, taxonomies and terms, each file a single HSDS page. JSON cannot carry rows that
are linked to nothing it nests (an attribute or metadata entry about an id that is not in
the directory, meta_table_description rows); `ExportReport.not_in_json` counts them.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from community_directory.hsds_schema import OBJECTS, HsdsObject, column_kind
from community_directory.models import Location, Organization, Service, Taxonomy, TaxonomyTerm
from community_directory.serialise import (
    FULL,
    TAXONOMY_TERM_SHAPE,
    format_value,
    page,
    preload,
    preload_organization,
    to_hsds,
)

HSDS_PROFILE = "https://openreferraluk.org/"
_FRICTIONLESS_TYPES = {
    "text": "string", "enum": "string", "time": "string", "number": "number", "integer": "integer",
    "date": "date", "datetime": "datetime", "bool": "boolean",
}


@dataclass
class ExportReport:
    folder: Path
    format: str
    files: dict[str, int] = field(default_factory=dict)  # file name -> rows or objects written
    not_in_json: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"Exported {self.format} to {self.folder}:"]
        lines += [f"  {name}: {count}" for name, count in self.files.items()]
        if self.not_in_json:
            lines.append("Rows JSON cannot carry (linked to nothing it nests): "
                         + ", ".join(f"{k} {n}" for k, n in self.not_in_json.items()))
        return "\n".join(lines)


def _cell(value: Any) -> str:
    value = format_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_csv_package(session: Session, folder: str | Path) -> ExportReport:
    """Every HSDS table as CSV, with a datapackage.json describing them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = ExportReport(folder, "csv")
    resources = []
    for obj in OBJECTS:
        columns = [obj.column(f) for f in obj.fields] + [obj.column(c) for c in obj.extensions.values()]
        rows = session.execute(
            select(*columns).order_by(obj.table.c.id).execution_options(yield_per=2000)
        )
        written = 0
        with (folder / obj.csv_name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(obj.file_fields)
            for row in rows:
                writer.writerow([_cell(value) for value in row])
                written += 1
        report.files[obj.csv_name] = written
        resources.append(_resource(obj))
    descriptor = {
        "name": "community-directory",
        "profile": "tabular-data-package",
        "description": "HSDS 3.0 tabular data package (Open Referral UK profile). Fields starting x_ are "
                       "local extensions of this directory, not part of HSDS.",
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    return report


def _resource(obj: HsdsObject) -> dict[str, Any]:
    fields = []
    for name in obj.file_fields:
        column = obj.column(obj.extensions.get(name, name))
        spec: dict[str, Any] = {"name": name, "type": _FRICTIONLESS_TYPES[column_kind(column)]}
        if "enum" in column.info:
            spec["constraints"] = {"enum": list(column.info["enum"])}
        if name == "id" or (not column.nullable and column.default is None and column.server_default is None):
            spec.setdefault("constraints", {})["required"] = True
        fields.append(spec)
    foreign = [
        {"fields": c.name, "reference": {"resource": next(o.csv_name[:-4] for o in OBJECTS
                                                          if o.table is fk.column.table), "fields": "id"}}
        for c in obj.table.c for fk in c.foreign_keys
    ]
    schema: dict[str, Any] = {"fields": fields, "primaryKey": "id"}
    if foreign:
        schema["foreignKeys"] = foreign
    return {
        "name": obj.csv_name[:-4],
        "path": obj.csv_name,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def export_json(session: Session, folder: str | Path, *, include_local: bool = True,
                batch_size: int = 500) -> ExportReport:
    """HSDS JSON pages: services.json, organizations.json, locations.json, taxonomies.json,
    taxonomy_terms.json. Local `x_` fields are included unless include_local=False."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = ExportReport(folder, "json")

    def write(name: str, items: list[dict[str, Any]]) -> None:
        doc = page(items, len(items), 1, max(len(items), 1))
        (folder / name).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        report.files[name] = len(items)

    def full(model: Any, make: Any, load: Any) -> list[dict[str, Any]]:
        ids = list(session.execute(select(model.id).order_by(model.id)).scalars())
        out: list[dict[str, Any]] = []
        for start in range(0, len(ids), batch_size):
            rows = list(session.execute(select(model).where(model.id.in_(ids[start:start + batch_size]))
                                        .order_by(model.id)).scalars())
            load(rows)
            out.extend(make(r) for r in rows)
            session.expunge_all()  # keep memory flat on big directories
        return out

    write("services.json", full(Service, lambda s: to_hsds(s, FULL, include_local=include_local),
                                lambda rows: preload(session, rows, FULL)))
    write("organizations.json", full(
        Organization, lambda o: to_hsds(o, FULL, include_local=include_local, _ancestors=("service",)),
        lambda rows: preload_organization(session, rows, with_services=False)))
    write("locations.json", full(Location, lambda x: to_hsds(x, FULL, include_local=include_local),
                                 lambda rows: preload(session, rows, FULL)))
    write("taxonomies.json", [to_hsds(t, None) for t in
                              session.execute(select(Taxonomy).order_by(Taxonomy.id)).scalars()])
    write("taxonomy_terms.json", [to_hsds(t, TAXONOMY_TERM_SHAPE) for t in
                                  session.execute(select(TaxonomyTerm).order_by(TaxonomyTerm.id)).scalars()])
    report.not_in_json = _not_in_json(session)
    return report


def _not_in_json(session: Session) -> dict[str, int]:
    """Attribute and metadata rows about ids that are not in the directory."""
    from community_directory.models import Attribute, MetadataRecord, MetaTableDescription

    known_ids = select(Service.id).union_all(
        *(select(o.table.c.id) for o in OBJECTS if o.model not in (Service,))
    ).subquery()
    out = {}
    tables = session.execute(select(func.count()).select_from(MetaTableDescription)).scalar_one()
    if tables:
        out[MetaTableDescription.__tablename__] = tables
    for model, column in ((Attribute, Attribute.link_id), (MetadataRecord, MetadataRecord.resource_id)):
        count = session.execute(
            select(func.count()).select_from(model).where(column.not_in(select(known_ids.c.id)))
        ).scalar_one()
        if count:
            out[model.__tablename__] = count
    return out
