"""Picture messages (MMS): the words are answered as any text is, the pictures are noted, never fetched."""

from __future__ import annotations

from sqlalchemy import select

from bot.gateway import messages as texts
from bot.models import InboundMessage
from bot.policy.crisis import SAFETY_MESSAGE
from tests.channels.helpers import RunningApp, wait_for
from tests.fakes.rasa import GREETING, FakeRasa
from tests.fakes.twilio import FakeTwilio

RESIDENT = "+447700900123"


def _inbound(app: RunningApp) -> list[InboundMessage]:
    with app.sessions() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.received_at)))


def test_words_with_pictures_are_answered_as_words_and_the_pictures_noted(
    app: RunningApp, fake_twilio: FakeTwilio, fake_rasa: FakeRasa,
) -> None:
    assert fake_twilio.text_in(RESIDENT, "hi", num_media=2).status_code == 200

    received = wait_for(lambda: fake_twilio.received(RESIDENT), what="the reply")
    app.quiet()
    assert len(received) == 1 and received[0].startswith(GREETING["text"])  # the dialogue's answer, not MEDIA_ONLY
    assert fake_rasa.messages() == ["hi"]  # just the words: no media URL reaches the dialogue
    assert [(m.has_media, m.status) for m in _inbound(app)] == [(True, "done")]
    assert fake_twilio.media_fetches == 0


def test_a_worrying_message_with_a_picture_still_gets_the_safety_reply(
    app: RunningApp, fake_twilio: FakeTwilio, fake_rasa: FakeRasa,
) -> None:
    fake_twilio.text_in(RESIDENT, "I want to kill myself", num_media=1)

    received = wait_for(lambda: fake_twilio.received(RESIDENT), what="the safety reply")
    app.quiet()
    assert received[0] == SAFETY_MESSAGE
    assert fake_rasa.received == []


def test_only_pictures_get_the_words_only_reply_and_blank_words_count_as_none(
    app: RunningApp, fake_twilio: FakeTwilio, fake_rasa: FakeRasa,
) -> None:
    fake_twilio.text_in(RESIDENT, "  \n", num_media=1)

    assert wait_for(lambda: fake_twilio.received(RESIDENT), what="the reply") == [texts.MEDIA_ONLY]
    app.quiet()
    assert fake_rasa.received == []
    assert fake_twilio.media_fetches == 0
