"""The rate limit: past RATE_LIMIT_PER_MINUTE a person's messages stop reaching the dialogue, and
they are told once, not once per message (through the real gateway and outbox)."""

from __future__ import annotations

from bot.gateway import messages as texts
from tests.actions.dialogue import dialogue

NUMBER = "+447700900611"


def test_past_the_limit_messages_skip_the_dialogue_and_the_notice_goes_once(database_url):
    talk = dialogue(database_url, echo=True, rate_limit=2)
    for n in range(5):
        talk.text_in(NUMBER, f"hello {n}")
    assert talk.rasa.seen == ["hello 0", "hello 1"]
    assert talk.sender.received(NUMBER).count(texts.RATE_LIMITED) == 1


def test_the_limit_counts_each_person_apart(database_url):
    talk = dialogue(database_url, echo=True, rate_limit=2)
    for n in range(3):
        talk.text_in(NUMBER, f"mine {n}")
    talk.text_in("+447700900612", "theirs")
    assert talk.rasa.seen == ["mine 0", "mine 1", "theirs"]
