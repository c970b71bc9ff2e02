"""End-to-end fixtures: the real Rasa server, the real action server and the application.

Nothing is mocked. If any process cannot start or is not ready, the fixture fails the tests.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import httpx
import pytest

from bot.db import session_scope
from bot.demo import load_demo_data
from bot.migrate import upgrade
from bot.stack import Stack


@pytest.fixture(scope="session")
def model_path() -> Path:
    from bot.training import ensure_model

    given = os.environ.get("CC_RASA_MODEL")
    return Path(given) if given else ensure_model()[0]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, model_path: Path):
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
        running.start_app(RASA_RETRY_SECONDS="0.5", RASA_TIMEOUT_SECONDS="20")
        running.wait_ready("rasa", timeout=300)
        running.wait_ready("app", timeout=60)
        yield running
    finally:
        running.stop()


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
