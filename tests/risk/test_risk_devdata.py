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
from bot.risk import classifier as clf

DEV_DIR = Path(__file__).resolve().parents[2] / "bot" / "risk" / "data"
FILES = clf.dev_files(DEV_DIR)
CHECK_FILES = sorted(DEV_DIR.glob(f"{clf.CHECK_PREFIX}*.yml"))


def test_development_files_say_how_they_were_written() -> None:
    assert FILES
    for path in FILES:
        head = path.read_text(encoding="utf-8")[:600].lower()
        assert "development data" in head and "written by hand" in head, path.name


def test_check_sets_are_never_trained_on() -> None:
    """A check set measures unseen wording: none of its messages may reach the classifier."""
    assert CHECK_FILES and not set(CHECK_FILES) & set(FILES)
    trained = {e.text for e in clf.training_examples()}
    for path in CHECK_FILES:
        head = path.read_text(encoding="utf-8")[:1200].lower()
        assert "check set" in head and "written by hand" in head, path.name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data.get("held_out") is True, path.name  # bench/crisis.py prints figures only
        sources = {e.source.split(":")[0] for e in clf.training_examples()}
        assert path.name not in sources
        messages = [str(m) for key in ("must_flag", "must_not_flag") for msgs in data[key].values() for m in msgs]
        assert len(messages) >= 200  # check_session7 has 231; the earlier ones over 500
        assert not trained & set(messages), sorted(trained & set(messages))[:5]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_development_data_still_passes(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    positives = [m for msgs in data["must_flag"].values() for m in msgs]
    negatives = [m for msgs in data["must_not_flag"].values() for m in msgs]
    missed = [m for m in positives if not assess(m).is_risk]
    alarms = [m for m in negatives if assess(m).is_risk]
    assert len(missed) <= 0.01 * len(positives) + 1, missed
    assert len(alarms) <= 0.02 * len(negatives), alarms


def test_templated_file_is_what_the_generator_writes() -> None:
    """dev_session5_templates.yml is generated (seeded): a hand edit would be lost on the next run."""
    from bot.risk import make_templates

    path = DEV_DIR / "dev_session5_templates.yml"
    on_disk = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert on_disk == make_templates.build()
    positives = [m for msgs in on_disk["must_flag"].values() for m in msgs]
    negatives = [m for msgs in on_disk["must_not_flag"].values() for m in msgs]
    assert len(positives) >= 300 and len(negatives) >= 300
