"""A resident on the web chat, which renders replies exactly as SMS would (numbered options).

Used by the end-to-end tests and the scenario benchmark: GET /chat starts a session (a cookie),
each POST /chat/api/messages sends one text and returns the replies to it, and
GET /chat/api/messages?after=SEQ returns anything sent later.
"""

from __future__ import annotations

import time
import uuid

import httpx


class WebChatPhone:
    def __init__(self, base_url: str, timeout: float = 60) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=timeout)
        self.client.get("/chat").raise_for_status()
        self.seen = 0

    @property
    def webchat_id(self) -> str:
        return self.client.cookies["webchat_id"]

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

    def close(self) -> None:
        self.client.close()
