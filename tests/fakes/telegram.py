"""A fake Telegram Bot API that the real python-telegram-bot client calls, and a fake user.

It records what each chat would show (text and inline keyboard), the callback answers and the
webhook registration, can be told to answer the next sendMessage with 429 / 403 / 500, and
posts updates to the app's webhook as Telegram would.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.server import ThreadedServer

BOT_ID = 424242


@dataclass
class Shown:
    chat_id: str
    text: str
    reply_markup: dict[str, Any] | None
    message_id: int
    at: float = field(default_factory=time.monotonic)

    def buttons(self) -> list[dict[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


class FakeTelegram:
    def __init__(self, token: str) -> None:
        self.token = token
        self._lock = threading.Lock()
        self._ids = itertools.count(1000)
        self.app = FastAPI()
        self.app.post("/bot{token}/{method}")(self._method)
        self.server = ThreadedServer(self.app)
        self.url = self.server.url
        self.reset()

    # -- test controls ----------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.shown: list[Shown] = []
            self.calls: list[tuple[str, dict[str, Any]]] = []
            self.answered: list[str] = []
            self.webhook: dict[str, Any] = {}
            self._failures: list[dict[str, Any]] = []
            self.app_url = ""
            self.secret = ""

    def fail_next_send(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": error_code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        with self._lock:
            self._failures.append(body)

    def chat(self, chat_id: int | str) -> list[Shown]:
        with self._lock:
            return [s for s in self.shown if s.chat_id == str(chat_id)]

    def send_attempts(self) -> int:
        with self._lock:
            return sum(1 for method, _ in self.calls if method == "sendMessage")

    def post_update(self, update: dict[str, Any], *, secret: str | None = None) -> httpx.Response:
        """Telegram delivering an update to the app's webhook (with the secret header unless told)."""
        secret = self.secret if secret is None else secret
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return httpx.post(self.app_url + "/telegram/webhook", json=update, headers=headers, timeout=10)

    # -- the API --------------------------------------------------------------------------------
    async def _method(self, token: str, method: str, request: Request) -> JSONResponse:
        if request.headers.get("content-type", "").startswith("application/json"):
            params = await request.json()
        else:
            params = {k: _maybe_json(str(v)) for k, v in (await request.form()).items()}
        with self._lock:
            self.calls.append((method, params))
            if token != self.token:
                return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
            if method == "sendMessage":
                if self._failures:
                    failure = self._failures.pop(0)
                    return JSONResponse(failure, status_code=failure["error_code"])
                return _ok(self._send(params))
            if method == "answerCallbackQuery":
                self.answered.append(str(params["callback_query_id"]))
                return _ok(True)
            if method == "getMe":
                return _ok({"id": BOT_ID, "is_bot": True, "first_name": "Community Connect", "username": "cc_test_bot"})
            if method == "setWebhook":
                self.webhook = {k: params.get(k) for k in ("url", "secret_token", "allowed_updates", "drop_pending_updates")}
                return _ok(True)
            if method == "deleteWebhook":
                self.webhook = {}
                return _ok(True)
            if method == "getWebhookInfo":
                return _ok({"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0,
                            "allowed_updates": self.webhook.get("allowed_updates") or []})
        return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)

    def _send(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup")
        shown = Shown(str(params["chat_id"]), str(params["text"]), markup if isinstance(markup, dict) else None,
                      next(self._ids))
        self.shown.append(shown)
        result: dict[str, Any] = {"message_id": shown.message_id, "date": int(time.time()), "text": shown.text,
                                  "chat": {"id": int(shown.chat_id), "type": "private"}}
        if shown.reply_markup:
            result["reply_markup"] = shown.reply_markup
        return result


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _maybe_json(value: str) -> Any:
    """PTB form-encodes each parameter, JSON-encoding the ones that are not plain strings."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# -- updates a user's actions produce ----------------------------------------------------------------
_update_ids = itertools.count(10_000)


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Resident"}


def _private(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Resident"}


def message_update(chat_id: int, text: str | None = None, *, update_id: int | None = None,
                   photo: bool = False, chat_type: str = "private") -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": next(_update_ids), "date": int(time.time()), "from": _user(chat_id),
                               "chat": _private(chat_id) if chat_type == "private"
                               else {"id": -chat_id, "type": chat_type, "title": "A group"}}
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if photo:
        message["photo"] = [{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]
    return {"update_id": update_id if update_id is not None else next(_update_ids), "message": message}


def press_update(chat_id: int, shown: Shown, title: str, *, update_id: int | None = None) -> dict[str, Any]:
    """The user pressing the button with this title under a message the bot sent."""
    button = next(b for b in shown.buttons() if b["text"] == title)
    message = {"message_id": shown.message_id, "date": int(time.time()), "chat": _private(chat_id),
               "from": {"id": BOT_ID, "is_bot": True, "first_name": "Community Connect"}, "text": shown.text,
               "reply_markup": shown.reply_markup}
    query = {"id": f"cbq{next(_update_ids)}", "from": _user(chat_id), "chat_instance": "ci1",
             "data": button["callback_data"], "message": message}
    return {"update_id": update_id if update_id is not None else next(_update_ids), "callback_query": query}
