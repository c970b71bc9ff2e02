"""The cross-validation benchmark reads rasa's own log lines correctly."""

from bench.nlu_cv import parse

LOG = """
2026-11-23 INFO rasa.nlu.test - Intent evaluation results
2026-11-23 INFO rasa.nlu.test - train Accuracy: 0.990 (0.002)
2026-11-23 INFO rasa.nlu.test - test Accuracy: 0.812 (0.021)
2026-11-23 INFO rasa.nlu.test - test F1-score: 0.801 (0.019)
2026-11-23 INFO rasa.nlu.test - Entity evaluation results
2026-11-23 INFO rasa.nlu.test - Entity extractor: CRFEntityExtractor
2026-11-23 INFO rasa.nlu.test - test F1-score: 0.700 (0.030)
"""


def test_intent_and_entity_figures_are_kept_apart():
    found = parse(LOG)
    assert found["intent"]["test Accuracy"] == (0.812, 0.021)
    assert found["intent"]["train Accuracy"] == (0.990, 0.002)
    assert found["CRFEntityExtractor"]["test F1-score"] == (0.700, 0.030)
    assert "test F1-score" in found["intent"] and found["intent"]["test F1-score"] == (0.801, 0.019)
