"""Talking to the Rasa server over HTTP: the only way the application reaches the dialogue engine."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx


class RasaUnavailable(RuntimeError):
    """Rasa did not answer in time or answered with an error; the message stays pending."""


@dataclass
class RasaReply:
    messages: list[dict[str, Any]]
    rasa_ms: float
    actions_ms: float = 0.0
    timings: list[dict[str, Any]] = field(default_factory=list)


TIMING_KEY = "_timing"  # custom payload key the action server uses to report its own time


class RasaClient:
    def __init__(self, base_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, conversation_id: str, message: str, metadata: dict[str, Any] | None = None) -> RasaReply:
        body = {"sender": conversation_id, "message": message, "metadata": metadata or {}}
        return await self._post("/webhooks/rest/webhook", body, lambda data: data)

    async def trigger_intent(self, conversation_id: str, intent: str, entities: dict[str, Any] | None = None) -> RasaReply:
        """Start a turn the bot begins itself (a follow-up), collecting the bot's messages."""
        body = {"name": intent, "entities": entities or {}}
        return await self._post(
            f"/conversations/{conversation_id}/trigger_intent", body, lambda data: data.get("messages", [])
        )

    async def is_ready(self) -> bool:
        try:
            response = await self._client.get(f"{self._base}/", timeout=2.0)
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    async def _post(self, path: str, body: dict[str, Any], pick) -> RasaReply:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            response = await self._client.post(f"{self._base}{path}", json=body)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            raw = pick(response.json())
        except ValueError as exc:
            raise RasaUnavailable("invalid JSON") from exc
        messages, timings = [], []
        for item in raw or []:
            custom = item.get("custom") if isinstance(item, dict) else None
            if isinstance(custom, dict) and TIMING_KEY in custom:
                timings.append(custom[TIMING_KEY])
            else:
                messages.append(item)
        actions_ms = sum(float(t.get("ms", 0)) for t in timings)
        return RasaReply(messages=messages, rasa_ms=max(elapsed - actions_ms, 0.0), actions_ms=actions_ms, timings=timings)
