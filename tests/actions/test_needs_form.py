"""Needs the model finds are kept even when its span is not a known synonym."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.needs_form import ValidateNeedsForm
from tests.actions.test_goal_words import tracker


def test_a_need_span_no_synonym_maps_is_read_by_the_keyword_net():
    result = ValidateNeedsForm().validate_needs(["paint again", "loneliness"], CollectingDispatcher(), tracker("x"), {})
    assert result == {"needs": ["creative", "loneliness"]}
