"""Regression guard on the hand-written development data in bot/risk/data/.

This is the data the lexicon was tuned on and the classifier trained on, so the figures are
optimistic by construction; the honest numbers come from `make bench-crisis` on the separately
written evaluation set. What this test catches is a lexicon edit that breaks what already worked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.risk import assess

DEV_DIR = Path(__file__).resolve().parents[2] / "bot" / "risk" / "data"
FILES = sorted(DEV_DIR.glob("*.yml"))


def test_development_files_say_how_they_were_written() -> None:
    assert FILES
    for path in FILES:
        head = path.read_text(encoding="utf-8")[:600].lower()
        assert "development data" in head and "written by hand" in head, path.name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_development_data_still_passes(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    positives = [m for msgs in data["must_flag"].values() for m in msgs]
    negatives = [m for msgs in data["must_not_flag"].values() for m in msgs]
    missed = [m for m in positives if not assess(m).is_risk]
    alarms = [m for m in negatives if assess(m).is_risk]
    assert len(missed) <= 0.01 * len(positives) + 1, missed
    assert len(alarms) <= 0.02 * len(negatives), alarms
