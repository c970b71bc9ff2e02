"""scripts/nlu_summary.py: the all-needs-heard figures, from files in the shape `rasa test nlu --successes` writes."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location("nlu_summary", Path(__file__).parents[1] / "scripts" / "nlu_summary.py")
nlu_summary = importlib.util.module_from_spec(_SPEC)
sys.modules.setdefault("nlu_summary", nlu_summary)  # dataclasses look their module up
_SPEC.loader.exec_module(nlu_summary)


def gold(start: int, end: int, value: str, entity: str = "need") -> dict:
    return {"start": start, "end": end, "value": value, "entity": entity}


def predicted(start: int, end: int, value: str, entity: str = "need") -> dict:
    return {"entity": entity, "start": start, "end": end, "confidence_entity": 0.9, "value": value,
            "extractor": "CRFEntityExtractor", "processors": ["EntitySynonymMapper"]}


TWO_NEEDS = "im so lonely and want to get fit"  # model hears one, keywords hear both
POTTERY = "wanna find some pals n try woodturning"  # model hears both, keywords neither
GRAN = "my gran needs sorting out most days"  # nobody hears carers
HOW = "how does this work"  # keyword "work", but help messages are not about needs
WALK = "i walk to the shops every day"  # no need said; keyword net hears physical_activity
PLAIN = "TS1 4AB"


def write_results(root: Path, *, successes: bool = True, accuracy: float = 0.93) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "intent_report.json").write_text(json.dumps({
        "accuracy": accuracy, "weighted avg": {"precision": 0.93, "recall": 0.93, "f1-score": 0.93, "support": 6}}))
    (root / "CRFEntityExtractor_report.json").write_text(json.dumps({
        "need": {"precision": 0.75, "recall": 0.6, "f1-score": 0.667, "support": 5, "confused_with": {}},
        "micro avg": {"precision": 0.8, "recall": 0.7, "f1-score": 0.75, "support": 6}}))
    two_needs = {"text": TWO_NEEDS,
                 "entities": [gold(6, 12, "loneliness"), gold(25, 32, "physical_activity")],
                 "predicted_entities": [predicted(6, 12, "loneliness")]}
    pottery = {"text": POTTERY,
               "entities": [gold(16, 20, "loneliness"), gold(27, 38, "creative")],
               "predicted_entities": [predicted(16, 20, "loneliness"), predicted(27, 38, "creative")]}
    gran = {"text": GRAN, "entities": [gold(0, 7, "carers")], "predicted_entities": []}
    plain = {"text": PLAIN, "entities": [gold(0, 7, "TS1 4AB", "postcode")],
             "predicted_entities": [predicted(0, 7, "TS1 4AB", "postcode")]}
    # an example partly right is in both files, as rasa writes it
    if successes:
        (root / "CRFEntityExtractor_successes.json").write_text(json.dumps([two_needs, pottery, plain]))
    (root / "CRFEntityExtractor_errors.json").write_text(json.dumps([two_needs, gran]))
    intents = {TWO_NEEDS: "express_need", POTTERY: "express_need", GRAN: "express_need", HOW: "help",
               WALK: "inform_preference", PLAIN: "inform_location"}
    rows = [{"text": t, "intent": i, "intent_prediction": {"name": i, "confidence": 0.8}} for t, i in intents.items()]
    if successes:
        (root / "intent_successes.json").write_text(json.dumps(rows[:-1]))
    (root / "intent_errors.json").write_text(json.dumps(
        [{"text": PLAIN, "intent": "inform_location", "intent_prediction": {"name": "affirm", "confidence": 0.5}}]))
    return root


def test_all_needs_heard_by_model_keywords_and_both(tmp_path: Path):
    heard = nlu_summary.needs_heard(write_results(tmp_path / "nlu"))
    assert heard.examples == 3
    assert heard.both == 2  # two needs (net), pottery (model); gran by neither
    assert heard.model == 1  # pottery only: one of two needs is not enough
    assert heard.keywords == 1  # two needs only
    assert heard.extra == 0
    # of the three messages naming no need, "how does this work" (help) is not read by the net
    assert (heard.no_need_examples, heard.no_need_heard) == (3, 1)


def test_without_successes_the_figure_is_not_guessed(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    results = write_results(tmp_path / "nlu", successes=False)
    assert nlu_summary.needs_heard(results) is None
    assert nlu_summary.main(results) == 0
    assert "not computed" in capsys.readouterr().out


def test_output_keeps_rasa_figures_and_the_intent_floor(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert nlu_summary.main(write_results(tmp_path / "ok")) == 0
    out = capsys.readouterr().out
    assert "held-out intent accuracy: 0.930" in out
    assert "held-out entity micro F1 (CRFEntityExtractor): 0.750" in out
    assert "model + keyword net (what the needs form keeps): 0.667 (2/3)" in out
    assert "model entities alone: 0.333 (1/3)" in out
    assert "keyword net alone: 0.333 (1/3)" in out
    assert nlu_summary.main(write_results(tmp_path / "low", accuracy=0.80)) == 1
