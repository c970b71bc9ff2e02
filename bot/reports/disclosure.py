"""The published disclosure rule for every figure in a partner report, in one place.

Why one module: the rule is published (docs/outcomes.md) and its version is stored with each
release (bot/reports/releases.py), so a reader can tell exactly how any kept figure was protected.

Counts (the rule used for NHS health statistics): 0 is shown; 1 to 7 are suppressed; the rest are
rounded to the nearest 5. Totals are counted from the unrounded data and then rounded, so taking
rounded cells from a rounded total gives back no small count. A figure that can be derived from
others (e.g. "sent - answered") is checked the same way: if it is 1 to 7, one of the cells it comes
from is hidden. Means are shown only over at least 10 paired people, as whole numbers, with their
95% interval (also whole numbers). Rates are worked out from the rounded counts, so they add nothing.
"""

from __future__ import annotations

import math

RULE_VERSION = "2026-12 nhs-1to7-round5 means-10"
SUPPRESS_UP_TO = 7  # counts 1..7 are never shown
SMALLEST_SHOWN = SUPPRESS_UP_TO + 1  # the "k" of older code: counts below it are hidden
ROUND_TO = 5
MEAN_MIN_PEOPLE = 10


def is_small(count: int) -> bool:
    """True for a count that points at a handful of people (1 to 7)."""
    return 0 < count <= SUPPRESS_UP_TO


def round_count(count: int) -> int:
    """Nearest multiple of 5 (halves up: 2.5 is never reached by a whole count above 7)."""
    return int(math.floor(count / ROUND_TO + 0.5)) * ROUND_TO


def publish_count(count: int) -> int | None:
    """The figure shown for a count: None when suppressed."""
    return None if is_small(count) else round_count(count)


def mean_allowed(people: int) -> bool:
    """A mean (and its interval) is shown only over at least 10 people."""
    return people >= MEAN_MIN_PEOPLE


def publish_mean(value: float) -> int:
    """Means are shown to whole numbers, so no single person's score can be worked back out."""
    return int(math.floor(value + 0.5))


def rate(part: int | None, whole: int | None) -> int | None:
    """A percentage of two published (already rounded) counts, so it adds nothing to them."""
    if part is None or not whole:
        return None
    return int(math.floor(100.0 * part / whole + 0.5))
