"""Small-number suppression for published tables, so no figure points at a handful of people.

Primary: a count from 1 to k-1 people is hidden ("fewer than k"); 0 is shown, it names no one.
Secondary: the rows of a table add up to its total, so one hidden cell could be recovered by
subtraction. In each column more cells are hidden (smallest first) until at least two are hidden
and together they hold k or more people; if no cell is left to hide, the total is hidden instead.
"""

from __future__ import annotations

SMALL = "small"  # hidden because fewer than k people are behind it
SECONDARY = "secondary"  # hidden so that a small cell cannot be worked out from the total


def protect_column(
    groups: list[int], total: int, k: int, *, total_mark: str | None = None, marks: list[str | None] | None = None
) -> tuple[list[str | None], str | None]:
    """Marks (None = shown) for each group cell and for the total of one additive column.

    `total_mark` carries a decision made elsewhere (the same total is printed in another table);
    `marks` carries cells already hidden for another reason (a derived cell that was small).
    """
    given = marks or [None] * len(groups)
    marks = [m or (SMALL if 0 < value < k else None) for m, value in zip(given, groups, strict=True)]
    if total_mark is None and 0 < total < k:
        total_mark = SMALL
    if total_mark is not None:
        return marks, total_mark  # no total to subtract from
    while True:
        hidden = [i for i, mark in enumerate(marks) if mark]
        if not hidden or (len(hidden) >= 2 and sum(groups[i] for i in hidden) >= k):
            return marks, None
        candidates = [i for i, mark in enumerate(marks) if mark is None and groups[i] > 0]
        if not candidates:
            return marks, SECONDARY
        marks[min(candidates, key=lambda i: (groups[i], i))] = SECONDARY
