"""The app running for real on a local port, with fake Twilio, Telegram and Rasa servers around it.

Fakes are started once per session and reset per test; each test gets a fresh database and
a fresh app (its lifespan starts the outbox and sweeper, as in production).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # so `pytest` works as well as `python -m pytest`
    sys.path.insert(0, str(ROOT))

from bot.app import create_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import make_engine, session_factory  # noqa: E402
from bot.models import Base, ChannelAddress, InboundMessage, OutboundMessage, utcnow  # noqa: E402
from tests.fakes.rasa import FakeRasa  # noqa: E402
from tests.fakes.server import ThreadedServer  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402
from tests.fakes.twilio import FakeTwilio  # noqa: E402

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "5ec2e7" + "0" * 26
OUR_NUMBER = "+447700900000"
BOT_TOKEN = "123456:TEST-bot-token_abcdef"
TELEGRAM_SECRET = "tg-webhook-secret-0123456789"
PUBLIC_URL = "https://connect.example.org"  # the app sits behind a proxy at this address

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 5.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@dataclass
class RunningApp:
    url: str
    settings: Settings
    sessions: sessionmaker[Session]

    def outbound(self, channel: str | None = None) -> list[OutboundMessage]:
        with self.sessions() as session:
            query = select(OutboundMessage).order_by(OutboundMessage.sequence, OutboundMessage.created_at)
            if channel:
                query = query.where(OutboundMessage.channel == channel)
            return list(session.scalars(query))

    def statuses(self, channel: str) -> list[str]:
        return [m.status for m in self.outbound(channel)]

    def inbound_count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(InboundMessage)) or 0

    def address(self, channel: str, value: str) -> ChannelAddress | None:
        with self.sessions() as session:
            return session.scalar(
                select(ChannelAddress).where(ChannelAddress.channel == channel, ChannelAddress.address == value)
            )

    def make_due(self) -> None:
        """Skip the backoff wait: as if the retry time had come."""
        with self.sessions() as session:
            session.execute(update(OutboundMessage).where(OutboundMessage.status == "queued").values(next_attempt_at=utcnow()))
            session.commit()

    def quiet(self, timeout: float = 5.0) -> None:
        """Wait until every message is handled and nothing is left to send."""

        def settled() -> bool:
            with self.sessions() as session:
                pending = session.scalar(
                    select(func.count()).select_from(InboundMessage).where(InboundMessage.status == "pending")
                )
                queued = session.scalar(
                    select(func.count()).select_from(OutboundMessage).where(OutboundMessage.status == "queued")
                )
            return not pending and not queued

        wait_for(settled, timeout, "the app to finish handling and sending")


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


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        database_url=f"sqlite:///{tmp_path / 'app.db'}", rasa_url="http://127.0.0.1:9",
        rasa_tracker_db=f"sqlite:///{tmp_path / 'tracker.db'}", action_server_url="http://127.0.0.1:9",
        app_host="127.0.0.1", app_port=8000, public_url=PUBLIC_URL, secret_key="test-secret-key-0123456789",
        secure_cookies=False, rasa_timeout_seconds=5.0, rasa_retry_seconds=0.5, outbox_max_attempts=8,
        rate_limit_per_minute=20, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=OUR_NUMBER, twilio_api_base="https://api.twilio.com", telegram_bot_token=BOT_TOKEN,
        telegram_secret_token=TELEGRAM_SECRET, telegram_api_base="https://api.telegram.org", log_level="WARNING",
        unverified_flag_months=6, unverified_grace_months=3, demo_mode=True,
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def app(tmp_path: Path, fake_twilio: FakeTwilio, fake_telegram: FakeTelegram, fake_rasa: FakeRasa) -> Iterator[RunningApp]:
    for fake in (fake_twilio, fake_telegram, fake_rasa):
        fake.reset()
    settings = make_settings(
        tmp_path, rasa_url=fake_rasa.url, twilio_api_base=fake_twilio.url, telegram_api_base=fake_telegram.url,
    )
    # No migration for the directory's tables exists yet, so the app's tables are created directly.
    engine = make_engine(settings.database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    server = ThreadedServer(create_app(settings)).start()
    fake_twilio.public_url, fake_twilio.app_url = PUBLIC_URL, server.url
    fake_telegram.app_url, fake_telegram.secret = server.url, TELEGRAM_SECRET
    try:
        yield RunningApp(server.url, settings, session_factory(settings.database_url))
    finally:
        server.stop()
