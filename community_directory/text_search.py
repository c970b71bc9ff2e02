"""Full-text search over listing names, descriptions and taxonomy terms: one interface, two engines.

SQLite uses an FTS5 table (porter stemming, so "walks" finds "walking"); PostgreSQL uses its
own full-text search (to_tsvector / phraseto_tsquery over a GIN expression index). The
dialect is chosen from the session, so matching never knows which it is talking to.

The searched text lives in `directory_search_text`, one row per service, written by
`refresh_text_rows` (called from search_index.refresh_search_index, which every writer of
listing rows calls). On SQLite, triggers copy each change of that table into the FTS5 table,
so the two never drift. The text is stored normalised (lower case, apostrophes dropped), so
"mens shed", "men's shed" and "Men's Shed" are the same words.

Queries are built from plain words and phrases (TextQuery), never from a resident's raw
text, so no search syntax can be injected.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import DDL, Select, column, delete, event, func, insert, literal, select, table, text
from sqlalchemy.orm import Session

from community_directory.batches import chunks
from community_directory.kinds import normalise
from community_directory.models import ServiceSearchText, search_document

FTS_TABLE = "directory_search_fts"
# bm25 weights for (name, body, terms): a word in the name says most about what a listing is.
NAME_WEIGHT, BODY_WEIGHT, TERMS_WEIGHT = 3.0, 1.0, 0.5

_INSERT = f"INSERT INTO {FTS_TABLE}(rowid, name, body, terms) VALUES (new.id, new.name, new.body, new.terms);"
_REMOVE = (f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name, body, terms) "
           "VALUES ('delete', old.id, old.name, old.body, old.terms);")
SQLITE_DDL = (
    (f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(name, body, terms, "
     "content='directory_search_text', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"),
    f"CREATE TRIGGER IF NOT EXISTS directory_search_text_ai AFTER INSERT ON directory_search_text BEGIN {_INSERT} END",
    f"CREATE TRIGGER IF NOT EXISTS directory_search_text_ad AFTER DELETE ON directory_search_text BEGIN {_REMOVE} END",
    (f"CREATE TRIGGER IF NOT EXISTS directory_search_text_au AFTER UPDATE ON directory_search_text BEGIN "
     f"{_REMOVE} {_INSERT} END"),
)
SQLITE_DROP = (f"DROP TABLE IF EXISTS {FTS_TABLE}",)

# create_all / drop_all (tests, the CLI, the benchmark) build the FTS5 side too; Alembic
# migration 0009 does the same for migrated databases.
for _statement in SQLITE_DDL:
    event.listen(ServiceSearchText.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in SQLITE_DROP:
    event.listen(ServiceSearchText.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))


@dataclass(frozen=True)
class TextQuery:
    """Listings with any of these phrases and none of the excluded words; phrases are plain words."""

    any_of: tuple[str, ...]
    none_of: tuple[str, ...] = ()

    @classmethod
    def of(cls, phrases: Iterable[str], excluded: Iterable[str] = ()) -> TextQuery:
        clean = tuple(dict.fromkeys(p for p in (normalise(x) for x in phrases) if p))
        return cls(clean, tuple(dict.fromkeys(p for p in (normalise(x) for x in excluded) if p)))

    def __bool__(self) -> bool:
        return bool(self.any_of)


def _fts_expression(query: TextQuery, name_only: bool) -> str:
    """FTS5 MATCH text. Phrases are normalised to [a-z0-9 ] so quoting them is safe."""
    body = " OR ".join(f'"{p}"' for p in query.any_of)
    if query.none_of:
        body = f"({body}) NOT ({' OR '.join(chr(34) + p + chr(34) for p in query.none_of)})"
    return f"name : ({body})" if name_only else body


def _pg_tsquery(phrases: tuple[str, ...]) -> Any:
    """phraseto_tsquery per phrase, OR-ed: a phrase is matched as written, in order."""
    parts = [func.phraseto_tsquery(text("'english'::regconfig"), literal(p)) for p in phrases]
    combined: Any = parts[0]
    for part in parts[1:]:
        combined = combined.op("||")(part)
    return combined


def _pg_document(name_only: bool):
    if name_only:
        return func.to_tsvector(text("'english'::regconfig"), func.coalesce(ServiceSearchText.name, ""))
    return pg_document_expression()


def pg_document_expression():
    """The weighted document PostgreSQL searches; the GIN index in models.py is on exactly this."""
    t = ServiceSearchText.__table__.c
    return search_document(t.name, t.body, t.terms)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def search_rows_matching(session: Session, query: TextQuery, *, name_only: bool = False) -> Select[tuple[int]]:
    """A SELECT of the directory_search_text ids (= directory_service_point.search_id) whose
    text matches: on SQLite straight from the FTS5 index, with no lookup of the rows."""
    t = ServiceSearchText
    if _is_sqlite(session):
        fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))
        # an anonymous bind per MATCH, so several in one statement keep their own queries
        return select(fts.c.rowid).where(fts.c[FTS_TABLE].op("MATCH")(literal(_fts_expression(query, name_only))))
    condition = _pg_document(name_only).op("@@")(_pg_tsquery(query.any_of))
    if name_only:  # let the document index narrow first
        condition = pg_document_expression().op("@@")(_pg_tsquery(query.any_of)) & condition
    if query.none_of:
        condition = condition & ~pg_document_expression().op("@@")(_pg_tsquery(query.none_of))
    return select(t.id).where(condition)


def matching_rows(session: Session, query: TextQuery, *, name_only: bool = False) -> set[int]:
    """The search row ids whose text matches. A common word matches thousands of listings, so on
    SQLite this reads the FTS5 index through the driver's own cursor (a third of a Core query's time)."""
    if not query:
        return set()
    if _is_sqlite(session):
        cursor = session.connection().connection.cursor()  # the DBAPI cursor, in this transaction
        try:
            cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?",
                           (_fts_expression(query, name_only),))
            return {row[0] for row in cursor.fetchall()}
        finally:
            cursor.close()
    return set(session.execute(search_rows_matching(session, query, name_only=name_only)).scalars())


def matching_ids(session: Session, query: TextQuery, *, name_only: bool = False) -> set[str]:
    """The service ids whose text matches (for tools and tests; matching works with row ids)."""
    rows = matching_rows(session, query, name_only=name_only)
    t = ServiceSearchText
    found: set[str] = set()
    for part in chunks(sorted(rows)):
        found.update(session.execute(select(t.service_id).where(t.id.in_(part))).scalars())
    return found


def refresh_text_rows(session: Session, documents: dict[str, tuple[str, str, str]],
                      removed: Collection[str] = ()) -> dict[str, int]:
    """Replace the searched text of these services: (name, body, terms), stored normalised.
    Returns service id -> its new search row id."""
    t = ServiceSearchText
    gone = sorted(set(documents) | set(removed))
    for part in chunks(gone):
        session.execute(delete(t).where(t.service_id.in_(part)))
    rows = [{"service_id": sid, "name": normalise(name), "body": normalise(body), "terms": normalise(terms)}
            for sid, (name, body, terms) in documents.items()]
    for batch in chunks(rows, 2000):
        session.execute(insert(t), list(batch))
    ids: dict[str, int] = {}
    for part in chunks(sorted(documents)):
        ids.update(session.execute(select(t.service_id, t.id).where(t.service_id.in_(part))).tuples().all())
    return ids


def clear_text_rows(session: Session) -> None:
    """Empty the text index (a full rebuild follows)."""
    session.execute(delete(ServiceSearchText))  # on SQLite the delete trigger empties the FTS5 table


__all__ = ["TextQuery", "clear_text_rows", "matching_ids", "matching_rows", "refresh_text_rows", "search_rows_matching"]
