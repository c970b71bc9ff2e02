"""Registering the Telegram webhook: run by hand once per deployment, never at start-up.

    python -m bot.channels.telegram_setup set-webhook     # PUBLIC_URL + /telegram/webhook
    python -m bot.channels.telegram_setup info            # what Telegram has, and its last error
    python -m bot.channels.telegram_setup delete-webhook

Kept out of start-up because several app processes (or a staging copy) starting would each
re-point the one bot at themselves.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.channels.telegram import make_bot
from bot.config import ConfigError, Settings, load_settings

WEBHOOK_PATH = "/telegram/webhook"
ALLOWED_UPDATES = ["message", "callback_query"]
DEFAULT_API_BASE = "https://api.telegram.org"


def webhook_url(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + WEBHOOK_PATH


def check(settings: Settings) -> None:
    """Telegram itself only calls HTTPS URLs; a local Bot API server or a fake may not need it."""
    if not settings.telegram_enabled:
        raise ConfigError("TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN must both be set")
    if settings.telegram_api_base.rstrip("/") == DEFAULT_API_BASE and not settings.public_url.startswith("https://"):
        raise ConfigError("PUBLIC_URL must be an https:// URL for Telegram to call the webhook")


async def set_webhook(settings: Settings, *, drop_pending: bool = False) -> bool:
    check(settings)
    async with make_bot(settings) as bot:
        return await bot.set_webhook(
            url=webhook_url(settings), secret_token=settings.telegram_secret_token,
            allowed_updates=ALLOWED_UPDATES, drop_pending_updates=drop_pending,
        )


async def delete_webhook(settings: Settings, *, drop_pending: bool = False) -> bool:
    check(settings)
    async with make_bot(settings) as bot:
        return await bot.delete_webhook(drop_pending_updates=drop_pending)


async def webhook_info(settings: Settings) -> dict[str, Any]:
    check(settings)
    async with make_bot(settings) as bot:
        info = await bot.get_webhook_info()
    return {
        "url": info.url,
        "expected_url": webhook_url(settings),
        "pending_update_count": info.pending_update_count,
        "allowed_updates": list(info.allowed_updates or ()),
        "last_error_date": info.last_error_date.isoformat() if info.last_error_date else None,
        "last_error_message": info.last_error_message,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.telegram_setup", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["set-webhook", "delete-webhook", "info"])
    parser.add_argument("--drop-pending", action="store_true", help="discard updates Telegram is still holding")
    args = parser.parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        if args.command == "set-webhook":
            ok = asyncio.run(set_webhook(settings, drop_pending=args.drop_pending))
            print(f"webhook set to {webhook_url(settings)}" if ok else "Telegram refused the webhook")
        elif args.command == "delete-webhook":
            ok = asyncio.run(delete_webhook(settings, drop_pending=args.drop_pending))
            print("webhook deleted" if ok else "Telegram refused to delete the webhook")
        else:
            for key, value in asyncio.run(webhook_info(settings)).items():
                print(f"{key}: {value}")
            ok = True
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        reason = str(exc)
        if settings is not None and settings.telegram_bot_token:  # PTB quotes a rejected token
            reason = reason.replace(settings.telegram_bot_token, "<token>")
        print(f"Telegram request failed: {type(exc).__name__}: {reason}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
