"""Importing HSDS data: tabular CSV packages and HSDS / Open Referral UK JSON.

Every import is one transaction: on a fatal problem (unreadable file, broken CSV row, a
bad value in strict mode) it is rolled back, `ImportFailed` says where, and nothing is
written. Lesser problems (a dangling link, a value that is not a date) are listed in the
returned `ImportReport` with file and row or JSON path. Importing the same data again
updates rows by id and never duplicates them.

The session should have no unsaved work of its own: a failed import rolls it back.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from community_directory.importing import csv_package
from community_directory.importing.json_documents import Flattener, load_json_file
from community_directory.importing.report import ImportFailed, ImportReport, Problem, ProgressCallback, TableCounts
from community_directory.importing.writer import RowHook, TableWriter

__all__ = [
    "ImportFailed",
    "ImportReport",
    "Problem",
    "TableCounts",
    "detect_format",
    "import_json_documents",
    "import_path",
    "validate_path",
]


def detect_format(path: Path) -> str:
    """"csv" for a data package (folder of CSVs or its datapackage.json), "json" for JSON."""
    if path.is_dir():
        names = [p.name.lower() for p in path.iterdir()]
        if "datapackage.json" in names or any(n.endswith(".csv") for n in names):
            return "csv"
        if any(n.endswith(".json") for n in names):
            return "json"
        raise ImportFailed(Problem(str(path), None, "folder has no CSV or JSON files"))
    if path.name.lower() == "datapackage.json" or path.suffix.lower() == ".csv":
        return "csv"
    if path.suffix.lower() == ".json":
        return "json"
    raise ImportFailed(Problem(str(path), None, "not a .json file, a .csv file or a folder"))


def import_path(
    session: Session,
    path: str | Path,
    *,
    format: str = "auto",
    strict: bool = False,
    dry_run: bool = False,
    commit: bool = True,
    progress: ProgressCallback | None = None,
    row_hook: RowHook | None = None,
) -> ImportReport:
    """Import a CSV data package or JSON file(s) at `path` into the directory.

    strict: treat every problem as fatal (nothing written) instead of skipping it.
    dry_run: check everything, report, then roll back (what `validate` does).
    commit: commit at the end; pass False to leave the transaction to the caller.
    """
    path = Path(path)
    if not path.exists():
        raise ImportFailed(Problem(str(path), None, "no such file or folder"))
    fmt = detect_format(path) if format == "auto" else format
    report = ImportReport(source=str(path), format=fmt, dry_run=dry_run)
    writer = TableWriter(session, report, strict=strict, progress=progress, row_hook=row_hook)

    def run() -> None:
        if fmt == "csv":
            folder = path if path.is_dir() else path.parent
            files = csv_package.package_files(folder, report)
            if path.is_file() and path.suffix.lower() == ".csv":
                files = [(obj, p) for obj, p in files if p == path]
            if not files:
                raise ImportFailed(Problem(str(path), None, "no HSDS CSV files found"), report)
            for obj, file in files:
                writer.write(obj, csv_package.read_records(obj, file, report), csv_package.count_rows(file))
        elif fmt == "json":
            documents = sorted(path.glob("*.json")) if path.is_dir() else [path]
            flattener = Flattener(report)
            for file in documents:
                flattener.add_document(load_json_file(file, report), file.name, hint=file.stem)
            for obj, records in flattener.finish():
                writer.write(obj, records, len(records))
        else:
            raise ImportFailed(Problem(str(path), None, f"unknown format {fmt!r} (use csv or json)"), report)

    return _transaction(session, writer, report, run, dry_run=dry_run, commit=commit)


def validate_path(session: Session, path: str | Path, *, format: str = "auto", strict: bool = False) -> ImportReport:
    """Dry run: everything an import would do and report, with nothing written."""
    return import_path(session, path, format=format, strict=strict, dry_run=True)


def import_json_documents(
    session: Session,
    documents: Iterable[tuple[str, Any]],
    *,
    strict: bool = False,
    dry_run: bool = False,
    commit: bool = True,
    row_hook: RowHook | None = None,
) -> ImportReport:
    """Import already-parsed HSDS JSON documents given as (name used in messages, document)."""
    report = ImportReport(source="JSON documents", format="json", dry_run=dry_run)
    writer = TableWriter(session, report, strict=strict, row_hook=row_hook)

    def run() -> None:
        flattener = Flattener(report)
        for name, doc in documents:
            flattener.add_document(doc, name, hint=name)
        for obj, records in flattener.finish():
            writer.write(obj, records, len(records))

    return _transaction(session, writer, report, run, dry_run=dry_run, commit=commit)


def _transaction(session: Session, writer: TableWriter, report: ImportReport, run: Any,
                 *, dry_run: bool, commit: bool) -> ImportReport:
    try:
        run()
        writer.rows.refresh_index()
        session.flush()
    except ImportFailed as exc:
        session.rollback()
        exc.report = report
        raise
    except SQLAlchemyError as exc:
        session.rollback()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ImportFailed(Problem(report.source, None, f"the database refused the data: {reason}"), report) from exc
    if dry_run:
        session.rollback()
    elif commit:
        session.commit()
    return report
