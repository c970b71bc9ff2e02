"""Registering the webhook by hand with `python -m bot.channels.telegram_setup`."""

from __future__ import annotations

import pytest

from bot.channels import telegram_setup
from tests.channels.helpers import BOT_TOKEN, PUBLIC_URL, TELEGRAM_SECRET
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, fake_telegram: FakeTelegram) -> FakeTelegram:
    fake_telegram.reset()
    for name, value in {
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET, "TELEGRAM_API_BASE": fake_telegram.url,
        "PUBLIC_URL": PUBLIC_URL, "SECRET_KEY": "test-secret-key-0123456789",
    }.items():
        monkeypatch.setenv(name, value)
    return fake_telegram


def test_set_webhook_registers_our_url_secret_and_update_types(env: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    assert telegram_setup.main(["set-webhook"]) == 0

    assert env.webhook["url"] == PUBLIC_URL + "/telegram/webhook"
    assert env.webhook["secret_token"] == TELEGRAM_SECRET
    assert env.webhook["allowed_updates"] == ["message", "callback_query"]
    assert telegram_setup.main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"url: {PUBLIC_URL}/telegram/webhook" in out
    assert BOT_TOKEN not in out and TELEGRAM_SECRET not in out


def test_delete_webhook_clears_it(env: FakeTelegram) -> None:
    telegram_setup.main(["set-webhook"])

    assert telegram_setup.main(["delete-webhook"]) == 0
    assert env.webhook == {}


def test_real_telegram_needs_an_https_public_url(env: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TELEGRAM_API_BASE", "https://api.telegram.org")
    monkeypatch.setenv("PUBLIC_URL", "http://127.0.0.1:8000")

    assert telegram_setup.main(["set-webhook"]) == 2
    assert "PUBLIC_URL" in capsys.readouterr().err


def test_a_rejected_token_is_reported_without_printing_it(env: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999999:WRONG-token")

    assert telegram_setup.main(["set-webhook"]) == 1
    err = capsys.readouterr().err
    assert "rejected" in err.lower() or "unauthorized" in err.lower()
    assert "WRONG-token" not in err
    assert env.webhook == {}
