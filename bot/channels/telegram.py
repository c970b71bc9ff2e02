"""Telegram: the webhook, and a sender that shows the dialogue's options as inline buttons.

The webhook trusts only Telegram's secret-token header. Commands map onto the gateway's own
words (/stop is STOP), so opting out works the same on every channel.

Button presses carry "o:<n>:<hash of payload>" rather than the payload itself: Telegram allows
64 bytes of callback data, and the hash lets an old keyboard's press be told apart from the
current one. A current press becomes the exact payload the dialogue offered; a stale one
becomes the button's words, as if typed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from sqlalchemy import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.channels.base import Capabilities, ChannelDefinition, ChannelSender, PermanentSendError, TransientSendError
from bot.config import Settings
from bot.logging_setup import log_event
from bot.models import ChannelAddress, OutboundMessage
from bot.policy.opt_out import opt_out
from bot.statuses import Channel

router = APIRouter()

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096  # Telegram's limit per message
PER_CHAT_SECONDS = 1.0  # Telegram: about one message a second to a chat
PER_SECOND = 30.0  # Telegram: about 30 messages a second in all
EMPTY_TEXT = "Please choose:"  # Telegram will not send buttons without text
_COMMANDS = {"start": "hi", "help": "help", "stop": "STOP"}
_MEDIA = ("photo", "voice", "audio", "video", "video_note", "sticker", "animation", "document", "location", "contact")


def make_bot(settings: Settings) -> Bot:
    """PTB appends the token to base_url, so the configured API base gets '/bot' added."""
    return Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base.rstrip("/") + "/bot")


def option_key(option: dict[str, Any]) -> str:
    digest = hashlib.sha256(str(option.get("payload", "")).encode()).hexdigest()[:12]
    return f"o:{option.get('n')}:{digest}"


# -- webhook --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Incoming:
    chat_id: str
    text: str | None = None
    payload: str | None = None
    has_media: bool = False
    callback_id: str | None = None


@router.post("/telegram/webhook")
async def webhook(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.telegram_enabled:
        raise HTTPException(404)
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, settings.telegram_secret_token.encode()):
        log_event("telegram_webhook_rejected", level=logging.WARNING)
        raise HTTPException(403, "invalid secret token")
    try:
        update = Update.de_json(await request.json(), _bot(request.app))
    except Exception:  # malformed JSON or not an Update
        raise HTTPException(400, "not a Telegram update") from None
    chat = update.effective_chat
    if chat is None or chat.type != "private":  # groups are not one resident's conversation
        return Response(status_code=200)
    opted_out, offered = _address_state(request, str(chat.id))
    try:
        incoming = _read(update, str(chat.id), opted_out, offered)
    except (TypeError, AttributeError, ValueError):  # fields of the wrong type: not what Telegram sends
        raise HTTPException(400, "not a Telegram update") from None
    if incoming is not None and incoming.callback_id:
        _answer_callback(request.app, incoming.callback_id)
    if incoming is None or not (incoming.text or incoming.payload or incoming.has_media):
        return Response(status_code=200)
    gateway = request.app.state.gateway
    accepted = await gateway.receive(  # stored (on disk) before Telegram hears back
        Channel.TELEGRAM, incoming.chat_id, str(update.update_id), text=incoming.text, payload=incoming.payload,
        has_media=incoming.has_media,
    )
    log_event("telegram_inbound", inbound_id=accepted.inbound_id, duplicate=accepted.duplicate,
              button=incoming.callback_id is not None)
    return Response(status_code=200)


def _read(update: Update, chat_id: str, opted_out: bool, offered: list[dict[str, Any]] | None) -> Incoming | None:
    """What the person said, in the gateway's terms; None for updates that are not a message to us."""
    query = update.callback_query
    if query is not None:
        key = query.data or ""
        option = next((o for o in offered or [] if option_key(o) == key), None)
        if option is not None:
            return Incoming(chat_id, payload=str(option["payload"]), callback_id=query.id)
        return Incoming(chat_id, text=_button_title(query, key), callback_id=query.id)
    message = update.message
    if message is None:
        return None
    text = message.text or message.caption
    text = text if isinstance(text, str) else None
    if text and text.startswith("/"):
        words = text[1:].split(maxsplit=1)
        command = words[0].split("@", 1)[0].lower() if words else ""
        if command == "start" and opted_out:
            return Incoming(chat_id, text="START")
        # An unknown command is passed on as words: a leading "/" would be an intent to Rasa.
        text = _COMMANDS.get(command) or text.lstrip("/").strip() or None
    has_media = any(getattr(message, kind, None) for kind in _MEDIA)
    if not text and not has_media:
        return None
    return Incoming(chat_id, text=text, has_media=has_media)


def _button_title(query: Any, key: str) -> str | None:
    """The words on a pressed button from an older keyboard, to treat as typed."""
    markup = getattr(query.message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", None) or ():
        for button in row:
            if button.callback_data == key:
                return str(button.text)
    return None


def _address_state(request: Request, chat_id: str) -> tuple[bool, list[dict[str, Any]] | None]:
    with request.app.state.sessions() as session:
        address = session.scalar(
            select(ChannelAddress).where(ChannelAddress.channel == Channel.TELEGRAM, ChannelAddress.address == chat_id)
        )
        if address is None:
            return False, None
        return address.opted_out, address.person.last_options


def _bot(app: FastAPI) -> Bot:
    """One Bot per app, made on first use: the lifespan is not ours to change."""
    bot = getattr(app.state, "telegram_bot", None)
    if bot is None:
        bot = app.state.telegram_bot = make_bot(app.state.settings)
    return bot


_background: set[asyncio.Task[None]] = set()


def _answer_callback(app: FastAPI, callback_id: str) -> None:
    """Stops the button's spinner. Done after the webhook returns: it must not delay the reply."""

    async def answer() -> None:
        try:
            await _bot(app).answer_callback_query(callback_id)
        except TelegramError as exc:  # an expired query only leaves a spinner for a few seconds
            log_event("telegram_callback_answer_failed", level=logging.WARNING, error=type(exc).__name__)

    task = asyncio.get_running_loop().create_task(answer())
    _background.add(task)
    task.add_done_callback(_background.discard)


# -- sending --------------------------------------------------------------------------------------
class RetryLater(TransientSendError):
    """Telegram asked us to wait; `retry_after` says how long (the outbox may use it)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"telegram flood control: retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class SendRateLimiter:
    """Spaces sends: one per `per_chat` seconds to any one chat, and `per_second` in all.

    Telegram's published limits; going over them earns a 429 and a wait far longer than the spacing.
    """

    def __init__(self, per_chat: float | None = None, per_second: float | None = None) -> None:
        self._per_chat = PER_CHAT_SECONDS if per_chat is None else per_chat
        self._gap = 1.0 / (PER_SECOND if per_second is None else per_second)
        self._next_chat: dict[str, float] = {}
        self._next_any = 0.0

    async def wait(self, chat_id: str) -> None:
        now = time.monotonic()
        chat_slot = max(now, self._next_chat.get(chat_id, 0.0))
        self._next_chat[chat_id] = chat_slot + self._per_chat  # reserve before sleeping
        await _sleep_until(chat_slot)
        slot = max(time.monotonic(), self._next_any)
        self._next_any = slot + self._gap
        await _sleep_until(slot)
        sent_at = time.monotonic()  # a late wake-up must not shorten the next gap
        self._next_any = max(self._next_any, sent_at + self._gap)
        self._next_chat[chat_id] = max(self._next_chat[chat_id], sent_at + self._per_chat)


async def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


class TelegramSender(ChannelSender):
    """Sends one outbox message as one Telegram message (split only past 4096 characters)."""

    channel = Channel.TELEGRAM

    def __init__(self, settings: Settings, *, limiter: SendRateLimiter | None = None) -> None:
        self._bot = make_bot(settings)
        self._limiter = limiter or SendRateLimiter()
        self._blocked_until: dict[str, float] = {}

    async def send(self, message: OutboundMessage, address: ChannelAddress) -> str | None:
        chat_id = address.address
        wait = self._blocked_until.get(chat_id, 0.0) - time.monotonic()
        if wait > 0:  # Telegram told us to wait: do not spend a request to hear it again
            raise RetryLater(wait)
        parts = _split(message.body or "") or [EMPTY_TEXT]
        provider_id = None
        for i, part in enumerate(parts):
            markup = keyboard(message.options) if i == len(parts) - 1 else None
            await self._limiter.wait(chat_id)
            try:
                sent = await self._bot.send_message(chat_id=chat_id, text=part, reply_markup=markup)
            except RetryAfter as exc:
                seconds = _seconds(exc)
                self._blocked_until[chat_id] = time.monotonic() + seconds
                raise RetryLater(seconds) from None
            except Forbidden:
                opt_out(address)  # committed by the outbox with the message's failed status
                raise PermanentSendError("telegram: the person blocked the bot") from None
            except BadRequest as exc:
                raise PermanentSendError(f"telegram bad request: {exc.message}"[:200]) from None
            except TelegramError as exc:  # network, timeouts, 5xx, a bad token: worth trying again
                raise TransientSendError(f"telegram: {type(exc).__name__}") from None
            provider_id = str(sent.message_id)
        return provider_id

    async def aclose(self) -> None:
        await self._bot.shutdown()


def keyboard(options: list[dict[str, Any]] | None) -> InlineKeyboardMarkup | None:
    """One button per row: titles are sentences, and side-by-side buttons truncate them."""
    if not options:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(str(o.get("title") or o.get("n")), callback_data=option_key(o))] for o in options]
    )


def _split(text: str) -> list[str]:
    """Telegram caps a message at 4096 characters; break at a line, else a space, before it."""
    parts: list[str] = []
    text = text.strip()
    while len(text) > MAX_TEXT:
        cut = text.rfind("\n", 0, MAX_TEXT)
        if cut < MAX_TEXT // 2:
            cut = text.rfind(" ", 0, MAX_TEXT)
        if cut <= 0:
            cut = MAX_TEXT
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after will become a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _enabled(settings: Settings) -> bool:
    return settings.telegram_enabled


def chat_id_forms(raw: str) -> list[str]:
    """A Telegram chat id as typed (digits, a minus for groups); anything else is not one."""
    compact = "".join(raw.split())
    return [compact] if compact.lstrip("-").isdigit() and len(compact) <= 21 else []


# Options as inline buttons (see `keyboard`); not billed by segment; Telegram sends no receipts,
# so a sent message stays "sent".
CHANNEL = ChannelDefinition(
    name=Channel.TELEGRAM, router=router, make_sender=TelegramSender, enabled=_enabled,
    capabilities=Capabilities(numbered_options=False, safety_after_opt_out=True),
    label="Telegram", addresses_for=chat_id_forms,
)
