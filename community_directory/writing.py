"""The one writer of directory rows: the importer and the curators' listing editor both save here.

Rows are plain column dicts written by id with SQLAlchemy Core (fast enough for a 100,000
listing import, and the same path for one curator's edit). The writer remembers which
services the matching index is derived from were touched, so `refresh_index` keeps the
index in step whoever wrote the rows: nothing else in the library writes HSDS tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from community_directory import models as m
from community_directory import values as v
from community_directory.batches import chunks
from community_directory.search_index import refresh_search_index, services_for_locations, services_for_terms

Row = dict[str, Any]
TableLike = Table | type[m.Base]


def table_of(target: TableLike) -> Table:
    table = target if isinstance(target, Table) else target.__table__
    assert isinstance(table, Table)
    return table


def comparable(value: Any) -> Any:
    """Datetimes compared in UTC, so a naive value read back from SQLite equals the aware one written."""
    return v.as_utc(value) if isinstance(value, datetime) else value


def _plain_default(column: Column[Any]) -> Any:
    """A column's constant default (False, 0), or None for none or a computed one."""
    arg = getattr(column.default, "arg", None)
    return None if callable(arg) else arg


class RowWriter:
    """Inserts, updates and deletes HSDS rows by id within the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # what the matching index must refresh: "service" | "location" | "taxonomy_term" -> ids
        self.touched: dict[str, set[str]] = defaultdict(set)
        self._defaults: dict[str, Row] = {}

    # -- reading ------------------------------------------------------------------------------

    def existing(self, target: TableLike, ids: Iterable[str]) -> dict[str, Row]:
        """The stored rows with these ids, by id."""
        table = table_of(target)
        found: dict[str, Row] = {}
        for part in chunks(sorted(set(ids))):
            for row in self.session.execute(select(table).where(table.c.id.in_(part))).mappings():
                found[row["id"]] = dict(row)
        return found

    def defaults(self, target: TableLike) -> Row:
        """Every column with its plain default (or None), the base of a new row."""
        table = table_of(target)
        if table.name not in self._defaults:
            self._defaults[table.name] = {c.name: _plain_default(c) for c in table.c}
        return dict(self._defaults[table.name])

    # -- writing many -------------------------------------------------------------------------

    def insert(self, target: TableLike, rows: list[Row]) -> None:
        """Insert complete rows (see `defaults`)."""
        table = table_of(target)
        if rows:
            self.session.execute(insert(table), rows)
            for row in rows:
                self._track(table, row, None)

    def update(self, target: TableLike, rows: list[tuple[Row, Row]]) -> None:
        """Rewrite stored rows: (new complete row, old row) pairs."""
        table = table_of(target)
        if not rows:
            return
        names = [c.name for c in table.c if c.name != "id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_key"))
            .values({n: bindparam(f"_v_{n}") for n in names})
        )
        self.session.execute(stmt, [{"_key": new["id"], **{f"_v_{n}": new[n] for n in names}} for new, _ in rows])
        for new, old in rows:
            self._track(table, new, old)

    def delete(self, target: TableLike, rows: Iterable[Row]) -> None:
        """Delete stored rows (given whole, so the index knows which services they touched)."""
        table = table_of(target)
        rows = list(rows)
        for part in chunks(sorted(r["id"] for r in rows)):
            self.session.execute(delete(table).where(table.c.id.in_(part)))
        for row in rows:
            self._track(table, row, None)

    # -- writing one --------------------------------------------------------------------------

    def save(self, target: TableLike, row: Row) -> str:
        """Create or change one row from the columns given (others keep their stored value).

        Returns "created", "updated" or "unchanged".
        """
        table = table_of(target)
        old = self.existing(table, [row["id"]]).get(row["id"])
        if old is None:
            self.insert(table, [{**self.defaults(table), **row}])
            return "created"
        if all(comparable(old[k]) == comparable(value) for k, value in row.items()):
            return "unchanged"
        self.update(table, [({**old, **row}, old)])
        return "updated"

    def remove(self, target: TableLike, ident: str) -> bool:
        """Delete one row by id; False when there was none."""
        table = table_of(target)
        old = self.existing(table, [ident]).get(ident)
        if old is not None:
            self.delete(table, [old])
        return old is not None

    # -- the matching index -------------------------------------------------------------------

    def _track(self, table: Table, new: Row, old: Row | None) -> None:
        """Remember what changed that the matching search index is derived from."""
        rows = [new] + ([old] if old else [])
        name = table.name
        if name == m.Service.__tablename__:
            self.touched["service"].add(new["id"])
        elif name in (m.ServiceAtLocation.__tablename__, m.Attribute.__tablename__):
            column = "service_id" if name == m.ServiceAtLocation.__tablename__ else "link_id"
            self.touched["service"].update(r[column] for r in rows if r.get(column))
        elif name == m.Location.__tablename__:
            self.touched["location"].add(new["id"])
        elif name == m.TaxonomyTerm.__tablename__ and old is not None:
            self.touched["taxonomy_term"].add(new["id"])

    def refresh_index(self) -> int:
        """Rebuild the index rows of every service touched so far; returns how many were indexed."""
        services = set(self.touched["service"])
        services |= services_for_locations(self.session, self.touched["location"])
        services |= services_for_terms(self.session, self.touched["taxonomy_term"])
        self.session.flush()
        indexed = refresh_search_index(self.session, services)
        self.touched.clear()
        return indexed
