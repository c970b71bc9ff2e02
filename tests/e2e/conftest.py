"""End-to-end fixtures: the real Rasa server, the real action server and the application.

Nothing is mocked. If any process cannot start or is not ready, the fixture fails the tests.
SMS is on too: the app's real twilio client sends to a fake Twilio on 127.0.0.1, which also
signs and posts residents' texts to the app, so every test shares one stack whatever its channel.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import httpx
import pytest

from bot.db import session_scope
from bot.devtools.demo import load_demo_data
from bot.migrate import upgrade
from bot.devtools.stack import Stack, free_port
from tests.fakes.twilio import FakeTwilio
from tests.stored_values import unknown_values

TWILIO_ACCOUNT, TWILIO_TOKEN, OUR_NUMBER = "AC" + "e2e0" * 8, "e2e-auth-token-0123456789abcdef", "+447700900000"


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
    root = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{root / 'app.db'}"
    upgrade(database_url)
    with session_scope(database_url) as session:
        load_demo_data(session)
    running = Stack(root / "logs", database_url, root / "tracker.db")
    try:
        running.start_actions()
        running.wait_ready("actions", timeout=60)
        running.start_rasa(model_path)
        port = free_port()
        fake_twilio.public_url = fake_twilio.app_url = f"http://127.0.0.1:{port}"
        running.start_app(
            port, RASA_RETRY_SECONDS="0.5", RASA_TIMEOUT_SECONDS="20", PUBLIC_URL=fake_twilio.public_url,
            TWILIO_ACCOUNT_SID=TWILIO_ACCOUNT, TWILIO_AUTH_TOKEN=TWILIO_TOKEN, TWILIO_FROM_NUMBER=OUR_NUMBER,
            TWILIO_API_BASE=fake_twilio.url,
        )
        running.wait_ready("rasa", timeout=300)
        running.wait_ready("app", timeout=60)
        yield running
    finally:
        running.stop()
    assert unknown_values(database_url) == [], "values stored that bot/statuses.py does not define"


class Phone:
    """A resident using the web chat, which renders replies exactly as SMS would."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=60)
        self.client.get("/chat").raise_for_status()
        self.seen = 0

    def say(self, text: str) -> list[str]:
        response = self.client.post(
            "/chat/api/messages", json={"text": text, "client_id": uuid.uuid4().hex}, headers={"X-Webchat": "1"}
        )
        response.raise_for_status()
        messages = response.json()["messages"]
        self.seen = max([self.seen] + [m["seq"] for m in messages])
        return [m["text"] for m in messages]

    def wait_for_more(self, timeout: float = 120) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.client.get("/chat/api/messages", params={"after": self.seen}).json()["messages"]
            if messages:
                self.seen = max(m["seq"] for m in messages)
                return [m["text"] for m in messages]
            time.sleep(0.5)
        return []


@pytest.fixture
def phone(stack: Stack) -> Phone:
    return Phone(stack.services["app"].url)
