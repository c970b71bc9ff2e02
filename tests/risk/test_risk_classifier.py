"""The classifier artefact: versioned, trained on the current data, never trained at request time."""

from __future__ import annotations

import shutil
from pathlib import Path

import joblib
import pytest

from bot.risk import classifier as clf
from bot.risk.lexicon import default_lexicon


def test_artefact_is_fresh_for_the_current_training_data() -> None:
    """Fails when data/nlu, bot/risk/data or the lexicon's normalisation changed without
    `python -m bot.risk.train` (then commit the new bot/risk/model/ files)."""
    model = clf.load_classifier(strict=True)
    assert model.meta["data_sha256"] == clf.training_data_sha256()
    assert model.meta["format_version"] == clf.FORMAT_VERSION


def test_artefact_is_small_enough_to_commit() -> None:
    assert clf.MODEL_PATH.stat().st_size < 2 * 1024 * 1024


def test_training_data_has_both_sources_and_both_labels() -> None:
    examples = clf.training_examples()
    sources = {e.source.split(":")[0] for e in examples}
    assert "safety.yml" in sources and "dev.yml" in sources
    positives = [e for e in examples if e.label == 1]
    assert any(e.source == "safety.yml:crisis" for e in positives)
    assert all(e.source.endswith(":crisis") or ":must_flag:" in e.source for e in positives)


def test_changed_training_data_is_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = clf.training_examples()
    changed = examples + [clf.Example(1, "a brand new example", "test")]
    assert clf.training_data_sha256(changed) != clf.training_data_sha256(examples)
    monkeypatch.setattr(clf, "training_data_sha256", lambda *a, **k: "0" * 64)
    with pytest.raises(clf.ClassifierUnavailable, match="training data changed"):
        clf.load_classifier(strict=True)
    assert clf.load_classifier(strict=False) is not None  # runtime keeps a stale net, loudly


def test_other_format_or_sklearn_version_is_refused(tmp_path: Path) -> None:
    bundle = joblib.load(clf.MODEL_PATH)
    for key, value in (("format_version", 999), ("sklearn_version", "0.0.1")):
        path = tmp_path / f"{key}.joblib"
        joblib.dump({"meta": {**bundle["meta"], key: value}, "pipeline": bundle["pipeline"]}, path)
        with pytest.raises(clf.ClassifierUnavailable):
            clf.load_classifier(path)
    with pytest.raises(clf.ClassifierUnavailable):
        clf.load_classifier(tmp_path / "missing.joblib")


def test_fast_scorer_matches_scikit_learn() -> None:
    model = clf.load_classifier()
    lexicon = default_lexicon()
    for text in ("i want to end it all", "dying for a cuppa and a chat", "my chest is tight", "walking group please"):
        prepared = lexicon.scan(text).classifier_text
        assert model.score(prepared) == pytest.approx(model.score_sklearn(prepared), abs=1e-9)


def test_threshold_was_chosen_for_a_small_false_alarm_budget() -> None:
    meta = clf.load_classifier().meta
    assert 0.5 <= meta["threshold"] < 1.0
    assert meta["oof_false_alarm_hard_negatives"] <= 0.06


def test_assess_never_trains(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import risk

    def boom(*args, **kwargs):
        raise AssertionError("fit called at request time")

    monkeypatch.setattr(clf, "build_pipeline", boom)
    from sklearn.linear_model import LogisticRegression

    monkeypatch.setattr(LogisticRegression, "fit", boom)
    risk.assess("i want to die")


def test_copy_of_artefact_loads_from_any_path(tmp_path: Path) -> None:
    target = tmp_path / "copy.joblib"
    shutil.copy(clf.MODEL_PATH, target)
    assert clf.load_classifier(target).threshold == clf.load_classifier().threshold
