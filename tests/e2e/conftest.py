"""End-to-end fixtures: the real Rasa server, the real action server and the application.

Nothing is mocked. If any process cannot start or is not ready, the fixture fails the tests.
SMS is on too: the app's real twilio client sends to a fake Twilio on 127.0.0.1, which also
signs and posts residents' texts to the app, so every test shares one stack whatever its channel.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.devtools.stack import Stack, free_port, start_demo_stack
from bot.devtools.webchat import WebChatPhone
from tests.fakes.twilio import FakeTwilio
from tests.stored_values import unknown_values

TWILIO_ACCOUNT, TWILIO_TOKEN, OUR_NUMBER = "AC" + "e2e0" * 8, "e2e-auth-token-0123456789abcdef", "+447700900000"
SAFETY_ALERT_AFTER_SECONDS = 5.0


@pytest.fixture(scope="session")
def model_path() -> Path:
    from bot.devtools.training import ensure_model

    given = os.environ.get("CC_RASA_MODEL")
    return Path(given) if given else ensure_model()[0]


@pytest.fixture(scope="session")
def fake_twilio():
    """Twilio and the residents' phones; the stack's app is known to it by its own address."""
    fake = FakeTwilio(TWILIO_ACCOUNT, TWILIO_TOKEN)
    fake.server.start()
    try:
        yield fake
    finally:
        fake.server.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, model_path: Path, fake_twilio: FakeTwilio):
    port = free_port()
    fake_twilio.public_url = fake_twilio.app_url = f"http://127.0.0.1:{port}"
    running = start_demo_stack(
        tmp_path_factory.mktemp("e2e"), model_path, port,
        # The tests read exact replies, so "one moment" only after 20 s (it was when the app gave up
        # on Rasa; now the app waits on for the answer, which the page picks up when it polls).
        RASA_RETRY_SECONDS="0.5", RASA_TIMEOUT_SECONDS="60", HOLDING_REPLY_SECONDS="20", PUBLIC_URL=fake_twilio.public_url,
        TWILIO_ACCOUNT_SID=TWILIO_ACCOUNT, TWILIO_AUTH_TOKEN=TWILIO_TOKEN, TWILIO_FROM_NUMBER=OUR_NUMBER,
        TWILIO_API_BASE=fake_twilio.url,
        # A safety text failing this long raises a flag: 5 s stands for the default 10 minutes.
        SAFETY_ALERT_AFTER_SECONDS=str(SAFETY_ALERT_AFTER_SECONDS),
    )
    try:
        yield running
    finally:
        running.stop()
    assert unknown_values(running.database_url) == [], "values stored that bot/statuses.py does not define"


class Phone(WebChatPhone):
    """A resident using the web chat, which renders replies exactly as SMS would."""


@pytest.fixture
def phone(stack: Stack) -> Phone:
    return Phone(stack.services["app"].url)
