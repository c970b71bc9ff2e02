"""The app running for real on a local port, with fake Twilio, Telegram and Rasa servers around it.

Fakes are started once per session and reset per test. Each test gets a fresh database (a copy
of one built by the real migrations) and a fresh app, whose lifespan starts the outbox and the
sweeper as in production.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # so `pytest` works as well as `python -m pytest`
    sys.path.insert(0, str(ROOT))

from bot.app import create_app  # noqa: E402
from bot.channels import telegram as telegram_channel  # noqa: E402
from bot.db import session_factory  # noqa: E402
from bot.gateway import outbox as outbox_module  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from tests.channels.helpers import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_TOKEN,
    PUBLIC_URL,
    TELEGRAM_SECRET,
    RunningApp,
    make_settings,
)
from tests.fakes.rasa import FakeRasa  # noqa: E402
from tests.fakes.server import ThreadedServer  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402
from tests.fakes.twilio import FakeTwilio  # noqa: E402
from tests.stored_values import unknown_values  # noqa: E402


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    fake.server.start()
    yield fake
    fake.server.stop()


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(BOT_TOKEN)
    fake.server.start()
    yield fake
    fake.server.stop()


@pytest.fixture(scope="session")
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    fake.server.start()
    yield fake
    fake.server.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "telegram_pacing: keep Telegram's real one-second spacing per chat")


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "app.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def app(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, migrated_db: Path,
    fake_twilio: FakeTwilio, fake_telegram: FakeTelegram, fake_rasa: FakeRasa,
) -> Iterator[RunningApp]:
    for fake in (fake_twilio, fake_telegram, fake_rasa):
        fake.reset()
    if request.node.get_closest_marker("telegram_pacing") is None:  # tests with several replies run faster
        monkeypatch.setattr(telegram_channel, "PER_CHAT_SECONDS", 0.2)
    # A failed send is retried only when the test says so (`make_due`), never because a slow
    # machine let the real 2-second backoff run out between two steps of a test.
    monkeypatch.setattr(outbox_module, "backoff", lambda attempts: timedelta(minutes=10))
    settings = make_settings(
        tmp_path, rasa_url=fake_rasa.url, twilio_api_base=fake_twilio.url, telegram_api_base=fake_telegram.url,
    )
    for suffix in ("", "-wal", "-shm"):  # the migrated schema, copied rather than migrated per test
        if Path(f"{migrated_db}{suffix}").exists():
            shutil.copyfile(f"{migrated_db}{suffix}", tmp_path / f"app.db{suffix}")
    server = ThreadedServer(create_app(settings)).start()
    fake_twilio.public_url, fake_twilio.app_url = PUBLIC_URL, server.url
    fake_telegram.app_url, fake_telegram.secret = server.url, TELEGRAM_SECRET
    try:
        yield RunningApp(server.url, settings, session_factory(settings.database_url))
    finally:
        server.stop()
    assert unknown_values(settings.database_url) == [], "values stored that bot/statuses.py does not define"
