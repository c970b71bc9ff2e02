"""Rasa down: crisis and STOP still work, each person gets one holding reply, and every message
is answered once Rasa is back. Runs after the conversation tests because it restarts Rasa."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Phone

pytestmark = pytest.mark.e2e


def test_messages_during_an_outage_are_answered_once_rasa_is_back(stack, model_path):
    url = stack.services["app"].url
    residents = [Phone(url) for _ in range(3)]
    stack.kill("rasa")

    for phone in residents:
        first = phone.say("hi")
        assert len(first) == 1 and "will reply soon" in first[0]
        assert phone.say("are you there?") == []  # one holding reply per person, not one per message

    # Safety does not depend on Rasa.
    worried = Phone(url)
    assert any("116 123" in t for t in worried.say("I want to kill myself"))

    stack.restart_rasa(model_path)
    stack.wait_ready("rasa", timeout=300)
    for phone in residents:
        answered = phone.wait_for_more(timeout=120)
        assert any("not for emergencies" in t for t in answered)
        # both messages were answered, in order, and nothing arrives twice
        later = phone.wait_for_more(timeout=5)
        assert all("will reply soon" not in t for t in answered + later)
        assert not any("not for emergencies" in t for t in later)
