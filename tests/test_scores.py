import pytest

from actions.scores import parse_score


@pytest.mark.parametrize(
    "text,expected",
    [("7", 7), ("about a 6", 6), ("8 out of 10", 8), ("ten", 10), ("0", 0), ("skip", "skip"), ("I'd rather not say", "skip"),
     ("not sure", None), ("", None)],
)
def test_scores_are_read_from_what_people_type(text, expected):
    assert parse_score(None, text) == expected


def test_entity_value_wins_over_text():
    assert parse_score("4", "four or five") == 4
