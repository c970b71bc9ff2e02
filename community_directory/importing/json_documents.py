"""Reading HSDS / Open Referral UK JSON: full objects, paged lists and tabular JSON.

Nested JSON repeats objects (the same phone under a service, its location and its contact),
and a nested object does not carry the id of the object it sits in. Flattening walks the
tree, fills each child's link to its parent from where it sits (hsds_schema.Nested), and
merges repeats of one id into one row.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from community_directory import values as v
from community_directory.hsds_schema import BY_NAME, OBJECTS, HsdsObject, object_for_file
from community_directory.importing.report import ImportFailed, ImportReport, Problem
from community_directory.importing.rows import Record

_SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("service", frozenset({
        "status", "service_at_locations", "cost_options", "application_process", "eligibility_description",
        "fees_description", "interpretation_services", "program_id", "required_documents", "service_areas",
    })),
    ("location", frozenset({
        "location_type", "latitude", "longitude", "addresses", "accessibility", "transportation",
        "external_identifier",
    })),
    ("taxonomy_term", frozenset({"taxonomy_detail", "parent_id", "term_uri", "code", "taxonomy_id", "taxonomy"})),
    ("organization", frozenset({
        "website", "tax_status", "tax_id", "year_incorporated", "legal_status", "logo", "organization_identifiers",
        "services", "programs", "locations", "parent_organization_id", "funding",
    })),
    ("taxonomy", frozenset({"version", "taxonomy_terms"})),
)
_HINTS = (
    ("service_at_location", "service_at_location"),
    ("taxonomy_term", "taxonomy_term"),
    ("taxonom", "taxonomy"),
    ("organi", "organization"),
    ("location", "location"),
    ("service", "service"),
)


def load_json_file(path: Path, report: ImportReport) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ImportFailed(Problem(f"{path.name} line {exc.lineno} column {exc.colno}", None,
                                   f"not valid JSON: {exc.msg}"), report) from exc
    except UnicodeDecodeError as exc:
        raise ImportFailed(Problem(path.name, None, f"not UTF-8 text ({exc.reason})"), report) from exc


def guess_object(item: dict[str, Any], hint: str | None = None) -> str | None:
    """Which HSDS object a top-level JSON object is, from its properties, else the file name."""
    keys = set(item)
    if isinstance(item.get("service"), dict) or isinstance(item.get("location"), dict) or (
        "service_id" in keys and "location_id" in keys and "name" not in keys
    ):
        return "service_at_location"
    for name, signature in _SIGNATURES:
        if keys & signature:
            return name
    if hint:
        lowered = hint.lower()
        for fragment, name in _HINTS:
            if fragment in lowered:
                return name
    if keys <= {"id", "name", "description", "uri", "metadata"}:
        return "taxonomy"
    return None


class Flattener:
    """Collects rows per object from any number of JSON documents, merged by id."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.rows: dict[str, dict[str, Record]] = defaultdict(dict)
        self.unknown: Counter[tuple[str, str]] = Counter()
        self.unknown_where: dict[tuple[str, str], str] = {}

    def add_document(self, doc: Any, source: str, hint: str | None = None) -> None:
        if isinstance(doc, list):
            self._add_items(doc, source, "$", hint)
        elif isinstance(doc, dict) and isinstance(doc.get("contents"), list):
            self._add_items(doc["contents"], source, "$.contents", hint)
        elif isinstance(doc, dict) and doc and all(isinstance(k, str) and k.endswith(".csv") for k in doc):
            self._add_tabular(doc, source)
        elif isinstance(doc, dict) and "id" not in doc and ("openapi_url" in doc or "version" in doc):
            self.report.add(Problem(source, None, "API information document, nothing to import", "ignored"))
        elif isinstance(doc, dict):
            self._add_items([doc], source, "$", hint, single=True)
        else:
            raise ImportFailed(Problem(source, None, "expected a JSON object or list of HSDS objects"), self.report)

    def _add_items(self, items: list[Any], source: str, path: str, hint: str | None, single: bool = False) -> None:
        for index, item in enumerate(items):
            where = f"{source} {path}" if single else f"{source} {path}[{index}]"
            if not isinstance(item, dict):
                self.report.add(Problem(where, None, "expected an HSDS object", "row skipped"))
                continue
            name = guess_object(item, hint)
            if name is None:
                self.report.add(Problem(where, None, "could not tell which HSDS object this is", "row skipped"))
                continue
            self.visit(BY_NAME[name], item, where, {})

    def _add_tabular(self, doc: dict[str, Any], source: str) -> None:
        """HSDS tabular JSON: {"services.csv": [flat rows], ...}."""
        for file_name, rows in doc.items():
            obj = object_for_file(file_name)
            if obj is None or not isinstance(rows, list):
                self.report.add(Problem(f"{source} {file_name}", None, "not an HSDS table", "ignored"))
                continue
            for index, row in enumerate(rows):
                if isinstance(row, dict):
                    self._collect(obj, {k: val for k, val in row.items() if not isinstance(val, (dict, list))},
                                  f"{source} {file_name}[{index}]")

    def visit(self, obj: HsdsObject, item: dict[str, Any], where: str, links: dict[str, Any]) -> str | None:
        """Collect `item` and everything nested in it; returns its id (None when it has none)."""
        ident = v.parse_text(item.get("id"))
        if ident is None:
            self.report.add(Problem(where, "id", f"{obj.name} without an id, so it and what it contains were left out"))
            self.report.table(obj.name).skipped += 1
            return None
        fields = set(obj.file_fields)
        row = {k: val for k, val in item.items() if k in fields}
        for key, value in links.items():
            if v.is_blank(row.get(key)):
                row[key] = value
        nested = {n.key: n for n in obj.nested}
        inherited: list[tuple[Any, str]] = []
        for key, value in item.items():
            if key in fields or value is None:
                continue
            spec = nested.get(key)
            if spec is None:
                if (obj.name, key) not in self.unknown_where:
                    self.unknown_where[(obj.name, key)] = f"{where}.{key}"
                self.unknown[(obj.name, key)] += 1
                continue
            child = BY_NAME[spec.object_name]
            if spec.many:
                if not isinstance(value, list):
                    self.report.add(Problem(f"{where}.{key}", key, "expected a list", "value dropped"))
                    continue
                child_links = {spec.child_fk: ident} if spec.child_fk else {}
                if spec.object_name == "attribute":
                    child_links["link_entity"] = obj.name
                if spec.object_name == "metadata":
                    child_links["resource_type"] = obj.name
                for index, element in enumerate(value):
                    if isinstance(element, dict):
                        self.visit(child, element, f"{where}.{key}[{index}]", child_links)
                    else:
                        self.report.add(Problem(f"{where}.{key}[{index}]", key, "expected an object", "value dropped"))
            elif isinstance(value, dict):
                child_id = self.visit(child, value, f"{where}.{key}", {spec.child_fk: ident} if spec.child_fk else {})
                if spec.parent_fk and child_id and v.is_blank(row.get(spec.parent_fk)):
                    row[spec.parent_fk] = child_id
                if child_id and spec.inherit:
                    inherited.append((spec, child_id))
            else:
                self.report.add(Problem(f"{where}.{key}", key, "expected an object", "value dropped"))
        for spec, child_id in inherited:  # e.g. a service's program belongs to the service's organization
            child_row = self.rows[spec.object_name][child_id].values
            for name in spec.inherit:
                if v.is_blank(child_row.get(name)) and not v.is_blank(row.get(name)):
                    child_row[name] = row[name]
        self._collect(obj, row, where)
        return ident

    def _collect(self, obj: HsdsObject, row: dict[str, Any], where: str) -> None:
        ident = v.parse_text(row.get("id"))
        if ident is None:
            self.report.add(Problem(where, "id", "every row needs an id"))
            self.report.table(obj.name).skipped += 1
            return
        ident = ident.strip()
        existing = self.rows[obj.name].get(ident)
        if existing is None:
            self.rows[obj.name][ident] = Record(where, dict(row))
            return
        # The same object again (a phone under its service and its location): fill gaps,
        # later values win, blanks never erase what an earlier copy said.
        for key, value in row.items():
            if not v.is_blank(value) or key not in existing.values:
                existing.values[key] = value

    def finish(self) -> list[tuple[HsdsObject, list[Record]]]:
        for (obj_name, key), times in sorted(self.unknown.items()):
            self.report.add(Problem(self.unknown_where[(obj_name, key)], key,
                                    f"not a field of {obj_name} ({times} times)", "ignored"))
        return [(obj, list(self.rows[obj.name].values())) for obj in OBJECTS if self.rows.get(obj.name)]
