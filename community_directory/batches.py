"""Splitting id lists so IN (...) clauses stay within every database's parameter limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")
BATCH_SIZE = 500


def chunks(items: Sequence[T], size: int = BATCH_SIZE) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
