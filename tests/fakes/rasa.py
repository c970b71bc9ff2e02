"""A fake Rasa REST channel: scripted replies, and a record of what the gateway sent it.

Enough for the channel tests to see what reaches the dialogue (and what must not); the real
Rasa is exercised by the end-to-end tests.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from tests.fakes.server import ThreadedServer

GREETING = {
    "text": "Hello! I can help you find local groups and activities. What would you like help with?",
    "buttons": [
        {"title": "Meeting people", "payload": '/choose_need{"need": "loneliness", "area": "Lower Kersal and Charlestown"}'},
        {"title": "Getting active", "payload": '/choose_need{"need": "physical_activity"}'},
    ],
}
DEFAULT_REPLY = [{"text": "Thanks, I have noted that."}]


class FakeRasa:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.app = FastAPI()
        self.app.get("/")(self._root)
        self.app.post("/webhooks/rest/webhook")(self._webhook)
        self.app.post("/conversations/{conversation_id}/trigger_intent")(self._trigger)
        self.server = ThreadedServer(self.app)
        self.url = self.server.url
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.received: list[dict[str, Any]] = []
            self.replies: dict[str, list[dict[str, Any]]] = {"hi": [GREETING]}
            self.triggered: list[dict[str, Any]] = []  # trigger_intent calls: conversation, name, entities

    def messages(self) -> list[str]:
        with self._lock:
            return [r["message"] for r in self.received]

    async def _root(self) -> PlainTextResponse:
        return PlainTextResponse("Hello from Rasa: 3.6.20")

    async def _webhook(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            self.received.append(body)
            reply = self.replies.get(body["message"], DEFAULT_REPLY)
        return JSONResponse([{"recipient_id": body["sender"], **m} for m in reply])

    async def _trigger(self, conversation_id: str, request: Request) -> JSONResponse:
        """Rasa's trigger_intent: the bot starts a turn (a check-in); answered with a scripted text."""
        body = await request.json()
        with self._lock:
            self.triggered.append({"conversation_id": conversation_id, **body})
        step = (body.get("entities") or {}).get("check_in_step", "first")
        text = "Hi again, just checking in." if step == "reminder" else "Hi, it is Community Connect. Did you go?"
        return JSONResponse({"tracker": {}, "messages": [{"recipient_id": conversation_id, "text": text}]})
