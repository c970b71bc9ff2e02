import pytest

from bot.gateway.keywords import control_word


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "END", "quit", "CANCEL", "optout", "REVOKE"])
def test_opt_out_words(text):
    assert control_word(text) == "opt_out"


@pytest.mark.parametrize("text", ["START", "unstop", "Start"])
def test_opt_in_words(text):
    assert control_word(text) == "opt_in"


@pytest.mark.parametrize("text", ["please stop texting me", "I want to start walking", "end of the road", "", None, "hi"])
def test_words_inside_sentences_are_left_to_the_dialogue(text):
    assert control_word(text) is None


def test_help():
    assert control_word("HELP") == "help"
