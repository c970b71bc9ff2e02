"""The needs taxonomy: one HSDS taxonomy whose term codes are the keys in needs.py.

Set up here only. The demo generator writes these rows into its package, and a directory
without the demo (a real import, a fresh console) gets them on first use from
`ensure_need_terms`, with the same ids, so listings classified either way agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from community_directory.ids import stable_id
from community_directory.models import Taxonomy, TaxonomyTerm
from community_directory.needs import NEED_KEYS, NEEDS
from community_directory.writing import RowWriter

TAXONOMY_NAME = "Community Connect needs"
TAXONOMY_ID = stable_id("taxonomy", "community-connect-needs")


def term_id(need_key: str) -> str:
    return stable_id("taxonomy_term", need_key)


def taxonomy_row() -> dict[str, Any]:
    """The taxonomy's HSDS row (field names are the column names)."""
    return {
        "id": TAXONOMY_ID, "name": TAXONOMY_NAME,
        "description": "The needs and interests residents name to Community Connect; codes are the keys "
                       "in community_directory/needs.py.",
        "version": "1",
    }


def term_rows() -> list[dict[str, Any]]:
    """One HSDS taxonomy_term row per need, in NEEDS order."""
    return [{
        "id": term_id(need.key), "code": need.key, "name": need.label.capitalize(),
        "description": f"Activities and support for {need.label}.", "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": TAXONOMY_ID, "language": "en",
    } for need in NEEDS]


def ensure_need_terms(session: Session) -> list[TaxonomyTerm]:
    """The need terms, by name; created (same ids as the demo) when the directory has none."""
    terms = list(session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.code.in_(sorted(NEED_KEYS)))))
    if not terms:
        writer = RowWriter(session)
        writer.save(Taxonomy, taxonomy_row())
        for row in term_rows():
            writer.save(TaxonomyTerm, row)
        writer.refresh_index()
        terms = list(session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.code.in_(sorted(NEED_KEYS)))))
    return sorted(terms, key=lambda t: t.name)
