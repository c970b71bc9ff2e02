"""Shared pieces of the channel tests: the app's settings, and waiting on a running app."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.models import ChannelAddress, InboundMessage, OutboundMessage, utcnow

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "5ec2e7" + "0" * 26
OUR_NUMBER = "+447700900000"
BOT_TOKEN = "123456:TEST-bot-token_abcdef"
TELEGRAM_SECRET = "tg-webhook-secret-0123456789"
PUBLIC_URL = "https://connect.example.org"  # the app sits behind a proxy at this address

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 20.0, what: str = "condition", interval: float = 0.02) -> T:
    """Poll until `predicate` is truthy. The default deadline is generous: it only matters when the
    test is failing anyway, and a loaded 2-core CI machine can take seconds to run a step."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


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

    def quiet(self, timeout: float = 20.0) -> None:
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


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        database_url=f"sqlite:///{tmp_path / 'app.db'}", rasa_url="http://127.0.0.1:9",
        rasa_tracker_db=f"sqlite:///{tmp_path / 'tracker.db'}", action_server_url="http://127.0.0.1:9",
        app_host="127.0.0.1", app_port=8000, public_url=PUBLIC_URL, secret_key="test-secret-key-0123456789",
        secure_cookies=False, rasa_timeout_seconds=5.0, rasa_retry_seconds=0.5, outbox_max_attempts=8, follow_up_interval_seconds=3600.0,
        rate_limit_per_minute=20, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=OUR_NUMBER, twilio_api_base="https://api.twilio.com", telegram_bot_token=BOT_TOKEN,
        telegram_secret_token=TELEGRAM_SECRET, telegram_api_base="https://api.telegram.org", log_level="WARNING",
        unverified_flag_months=6, unverified_grace_months=3, demo_mode=True,
    )
    values.update(overrides)
    return Settings(**values)
