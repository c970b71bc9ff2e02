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


def test_check_in_periods_from_words():
    from actions.scores import parse_period

    assert parse_period("in a fortnight please") == "2_weeks"
    assert parse_period("2 weeks") == "2_weeks"
    assert parse_period("next month") == "1_month"
    assert parse_period("a week") == "1_week"
    assert parse_period("no thanks") == "none"
    assert parse_period("whatever you think") is None


def test_progress_from_words():
    from actions.scores import parse_progress

    assert parse_progress("went once, it was ok") == "partly"
    assert parse_progress("not been yet") == "not_yet"
    assert parse_progress("yes loved it") == "done"
    assert parse_progress("hmm") is None


def test_no_to_the_score_question_means_skip():
    from actions.scores import parse_score

    assert parse_score(None, "no thanks") == "skip"
    assert parse_score("about a 6", "") == 6
