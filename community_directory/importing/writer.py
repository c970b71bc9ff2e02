"""Writes parsed records into the HSDS tables: idempotent by id, checked links, counted.

The rows themselves are written by the library's one row writer (community_directory/writing.py),
the same one the curators' listing editor uses; this module adds what an import needs on top:
parsing, problems reported with file and row, dangling links and the counts.

Records arrive table by table, parents before children (models.HSDS_MODELS order), in
batches, so a 100,000-service package never sits in memory at once. A row's parents are
therefore either already written in this transaction or already in the directory: one
query per batch and foreign key tells which references dangle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from community_directory.batches import BATCH_SIZE, chunks
from community_directory.hsds_schema import HsdsObject, foreign_keys, required_columns
from community_directory.importing.report import ImportFailed, ImportReport, Problem, ProgressCallback
from community_directory.importing.rows import Record, RowParser
from community_directory.writing import Row, RowWriter, comparable

# row_hook(object_name, raw values) -> raw values: lets a caller adjust records on the way in
# (load_demo moves demo verification dates forward to today).
RowHook = Callable[[str, dict[str, Any]], dict[str, Any]]


class TableWriter:
    def __init__(
        self,
        session: Session,
        report: ImportReport,
        *,
        strict: bool = False,
        progress: ProgressCallback | None = None,
        row_hook: RowHook | None = None,
    ) -> None:
        self.session = session
        self.report = report
        self.strict = strict
        self.progress = progress
        self.row_hook = row_hook
        self.rows = RowWriter(session)
        self.known: dict[str, set[str]] = defaultdict(set)  # table name -> ids known to exist
        self.seen: dict[str, set[str]] = defaultdict(set)  # object name -> ids written by this import

    def problem(self, problem: Problem) -> None:
        if self.strict and problem.action != "ignored":
            raise ImportFailed(problem, self.report)
        self.report.add(problem)

    def write(self, obj: HsdsObject, records: Iterable[Record], total: int | None = None) -> None:
        parser = RowParser(obj)
        batch: list[Record] = []
        done = 0
        stage = obj.csv_name
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH_SIZE:
                self._write_batch(obj, parser, batch)
                done += len(batch)
                batch = []
                if self.progress:
                    self.progress(stage, done, total)
        if batch:
            self._write_batch(obj, parser, batch)
            done += len(batch)
        if self.progress:
            self.progress(stage, done, total)

    # -- one batch ----------------------------------------------------------------------

    def _write_batch(self, obj: HsdsObject, parser: RowParser, records: list[Record]) -> None:
        counts = self.report.table(obj.name)
        required = set(required_columns(obj))
        parsed: dict[str, tuple[Record, dict[str, Any]]] = {}
        for record in records:
            raw = self.row_hook(obj.name, record.values) if self.row_hook else record.values
            row, errors = parser.parse(raw)
            skip = False
            for field, reason in errors:
                column = parser.columns[field]
                if column == "id" or column in required:
                    self.problem(Problem(record.where, field, reason, "row skipped"))
                    skip = True
                    break
                self.problem(Problem(record.where, field, reason, "value dropped"))
                row.pop(column, None)
            if skip:
                counts.skipped += 1
                continue
            ident = row.get("id")
            if not ident:
                self.problem(Problem(record.where, "id", "every row needs an id", "row skipped"))
                counts.skipped += 1
                continue
            if ident in parsed or ident in self.seen[obj.name]:
                self.problem(Problem(
                    record.where, "id", f"id {ident} appears more than once; this later row replaces the earlier one",
                    "ignored",
                ))
                if ident in parsed:
                    row = {**parsed.pop(ident)[1], **row}
            parsed[ident] = (record, row)

        self._check_links(obj, parsed, counts)
        self._upsert(obj, parsed, counts, required)

    def _check_links(self, obj: HsdsObject, parsed: dict[str, tuple[Record, dict[str, Any]]], counts: Any) -> None:
        for column, parent in foreign_keys(obj).items():
            wanted = {row[column] for _, row in parsed.values() if row.get(column)}
            missing = self._missing(parent, wanted)
            if not missing:
                continue
            nullable = obj.column(column).nullable
            for ident, (record, row) in list(parsed.items()):
                value = row.get(column)
                if value not in missing:
                    continue
                reason = f"refers to {parent.name} {value}, which is neither in this import nor in the directory"
                if nullable:
                    self.problem(Problem(record.where, column, reason, "link dropped"))
                    row.pop(column)
                else:
                    self.problem(Problem(record.where, column, reason, "row skipped"))
                    del parsed[ident]
                    counts.skipped += 1

    def _missing(self, parent: HsdsObject, wanted: set[str]) -> set[str]:
        known = self.known[parent.table.name]
        unknown = sorted(wanted - known)
        for part in chunks(unknown):
            found = self.session.execute(select(parent.table.c.id).where(parent.table.c.id.in_(part))).scalars()
            known.update(found)
        return wanted - known

    def _upsert(
        self, obj: HsdsObject, parsed: dict[str, tuple[Record, dict[str, Any]]], counts: Any, required: set[str]
    ) -> None:
        table = obj.table
        if not parsed:
            return
        existing = self.rows.existing(table, parsed)
        defaults = self.rows.defaults(table)
        inserts: list[Row] = []
        updates: list[tuple[Row, Row]] = []
        for ident, (record, row) in parsed.items():
            old = existing.get(ident)
            new = {**defaults, **row} if old is None else {**old, **row}
            absent = sorted(c for c in required if new.get(c) is None)
            if absent:
                self.problem(Problem(record.where, absent[0], "is required but missing", "row skipped"))
                counts.skipped += 1
                continue
            repeat = ident in self.seen[obj.name]
            if old is None:
                inserts.append(new)
                counts.created += 1
            elif all(comparable(new[k]) == comparable(old[k]) for k in row):
                if not repeat:
                    counts.unchanged += 1
                continue
            else:
                updates.append((new, old))
                if not repeat:
                    counts.updated += 1
            self.seen[obj.name].add(ident)
            self.known[table.name].add(ident)
        self.rows.insert(table, inserts)
        self.rows.update(table, updates)
        for ident in parsed:
            self.seen[obj.name].add(ident)
