"""Reading an HSDS tabular data package: a folder of CSV files, usually with datapackage.json.

Files are streamed row by row. Rows are numbered as a spreadsheet shows them (the header
is row 1), so a curator can open the file and go straight to the row a problem names.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from community_directory.hsds_schema import OBJECTS, HsdsObject, object_for_file
from community_directory.importing.report import ImportFailed, ImportReport, Problem
from community_directory.importing.rows import Record

csv.field_size_limit(10 * 1024 * 1024)  # long descriptions are legitimate


def package_files(folder: Path, report: ImportReport) -> list[tuple[HsdsObject, Path]]:
    """The package's CSV files as (object, path), parents before children."""
    named: dict[str, HsdsObject] = {}
    descriptor = folder / "datapackage.json"
    if descriptor.is_file():
        named.update(_from_descriptor(descriptor, report))
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".csv" or not path.is_file():
            continue
        obj = named.get(path.name) or object_for_file(path.name)
        if obj is None:
            report.add(Problem(path.name, None, "not an HSDS table this importer knows", "ignored"))
            continue
        if obj.name in found:
            raise ImportFailed(Problem(path.name, None, f"a second file for {obj.name} (also {found[obj.name].name})"),
                               report)
        found[obj.name] = path
    return [(obj, found[obj.name]) for obj in OBJECTS if obj.name in found]


def _from_descriptor(descriptor: Path, report: ImportReport) -> dict[str, HsdsObject]:
    """File names the descriptor maps to HSDS objects; a broken descriptor is only noted."""
    try:
        data = json.loads(descriptor.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        report.add(Problem("datapackage.json", None,
                           f"not readable JSON ({exc}); reading the CSV files by their standard names", "ignored"))
        return {}
    mapping: dict[str, HsdsObject] = {}
    resources = data.get("resources") if isinstance(data, dict) else None
    for resource in resources or []:
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            continue
        file_name = Path(resource["path"]).name
        obj = object_for_file(file_name) or object_for_file(f"{resource.get('name', '')}.csv")
        if obj is not None:
            mapping[file_name] = obj
    return mapping


def count_rows(path: Path) -> int:
    """Approximate data rows (lines minus header), for progress bars; cheap on big files."""
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def read_records(obj: HsdsObject, path: Path, report: ImportReport) -> Iterator[Record]:
    """Records of one CSV file; broken structure (bad quoting, wrong column count) is fatal."""
    name = path.name
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            row_number = 1
            try:
                header = next(reader)
            except StopIteration:
                return
            fields = [h.strip().lower() for h in header]
            _check_header(obj, name, fields, report)
            for row_number, values in enumerate(reader, start=2):
                if not any(value.strip() for value in values):
                    continue
                if len(values) != len(fields):
                    raise ImportFailed(Problem(
                        f"{name} row {row_number}", None,
                        f"has {len(values)} values but the header has {len(fields)} columns "
                        "(often an unquoted comma or a missing quote)",
                    ), report)
                yield Record(f"{name} row {row_number}", dict(zip(fields, values, strict=True)))
    except csv.Error as exc:
        raise ImportFailed(Problem(f"{name} row {row_number + 1}", None, f"broken CSV: {exc}"), report) from exc
    except UnicodeDecodeError as exc:
        raise ImportFailed(Problem(name, None, f"not UTF-8 text ({exc.reason}); save it as CSV UTF-8"), report) from exc


def _check_header(obj: HsdsObject, name: str, fields: list[str], report: ImportReport) -> None:
    duplicates = sorted({f for f in fields if fields.count(f) > 1})
    if duplicates:
        raise ImportFailed(Problem(f"{name} row 1", duplicates[0], "column appears twice in the header"), report)
    if "id" not in fields:
        raise ImportFailed(Problem(f"{name} row 1", "id", "the header has no id column"), report)
    known = set(obj.file_fields)
    for field in fields:
        if field not in known:
            report.add(Problem(f"{name} row 1", field or "(blank)", f"not a field of {obj.name}", "ignored"))
