"""Row ids: random for what curators add, stable (UUID5) for rows that must come out the same every time.

Stable ids let the demo generator reproduce its files byte for byte and let the needs
taxonomy be created by whichever comes first (the demo import or the console) with one id.
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1c1f52-8a52-4c2b-9d7e-2a9a3b6e5c01")


def new_id() -> str:
    return str(uuid.uuid4())


def stable_id(*parts: str) -> str:
    """The same id for the same parts, e.g. stable_id("taxonomy_term", "loneliness")."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))
