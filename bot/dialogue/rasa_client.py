"""Talking to the Rasa servers over HTTP: the only way the application reaches the dialogue engine.

Several Rasa servers can share one tracker store. Each conversation is routed to one of them by
rendezvous hashing of its id, so the turns of one conversation never race across servers (Rasa's
RedisLockStore has a known race when two servers take the same lock). If a server cannot be
reached, its conversations move to the next server in their own ranking, and only theirs; it is
tried again after `recheck_seconds`. Only a refused connection moves a turn: after a timeout the
server may still be working on it, so the message stays pending rather than being sent twice.

Each server gets at most `concurrency` turns at once (RASA_CONCURRENCY); the rest wait here, in
the order they came. A Rasa server works on one turn at a time on its CPU, so more at once only
makes each slower: under a burst, hundreds of turns in Rasa at once all ran past the timeout,
were retried and so sent twice, and whoever lost the race waited minutes. Waiting here costs
nothing, is first come first served (people take turns, since a person has one turn in flight at
a time), and the timeout counts from when the turn reaches Rasa, not while it waits its turn.
The connections to each server are kept open (one per turn at once), so no turn pays a connect.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.dialogue.contract import read_reply

CONNECT_TIMEOUT_SECONDS = 5.0


class RasaUnavailable(RuntimeError):
    """Rasa did not answer in time or answered with an error; the message stays pending."""


@dataclass
class RasaReply:
    messages: list[dict[str, Any]]
    rasa_ms: float
    actions_ms: float = 0.0
    timings: list[dict[str, Any]] = field(default_factory=list)
    signals: list[dict[str, Any]] = field(default_factory=list)  # see bot/dialogue/contract.py
    queued_ms: float = 0.0  # waiting for a turn at the server (RASA_CONCURRENCY), before rasa_ms



def split_urls(value: str | Sequence[str]) -> list[str]:
    """`RASA_URL` may list several servers, comma-separated."""
    items = value.split(",") if isinstance(value, str) else list(value)
    urls = [item.strip().rstrip("/") for item in items if item.strip()]
    if not urls:
        raise ValueError("no Rasa server URL given")
    return urls


def ranking(conversation_id: str, urls: Sequence[str]) -> list[str]:
    """Servers in this conversation's order of preference (rendezvous hashing: stable, and a
    server going away moves only its own conversations)."""

    def weight(url: str) -> bytes:
        return hashlib.sha256(f"{url}|{conversation_id}".encode()).digest()

    return sorted(urls, key=weight, reverse=True)


class Turns:
    """At most `limit` holders at once, admitted strictly in arrival order.

    Not asyncio.Semaphore: on Python 3.10 a newcomer can take a slot that was just freed for a
    woken waiter, which then queues again at the back, so under load some waiters starve.
    Here a freed slot is handed straight to the longest waiter.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._free = limit
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiters if not w.done())

    async def __aenter__(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # given the slot just as we were cancelled
                self._hand_on()
            else:
                self._waiters.remove(turn)
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._hand_on()

    def _hand_on(self) -> None:
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1


class RasaClient:
    def __init__(
        self, base_url: str | Sequence[str], timeout: float, transport: httpx.AsyncBaseTransport | None = None,
        *, recheck_seconds: float = 5.0, concurrency: int = 8,
    ) -> None:
        self._urls = split_urls(base_url)
        self._base = self._urls[0]
        self._turns = {url: Turns(concurrency) for url in self._urls}
        connections = concurrency * len(self._urls) + 2  # and the readiness checks
        # A server that does not even take the connection is down (its conversations move on)
        # long before a busy one has finished a turn.
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_SECONDS)), transport=transport,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )
        self._recheck_seconds = recheck_seconds
        self._down_until: dict[str, float] = {}

    @property
    def urls(self) -> list[str]:
        return list(self._urls)

    async def close(self) -> None:
        await self._client.aclose()

    def server_for(self, conversation_id: str) -> str:
        """The server this conversation's next turn goes to (the first of its ranking not known down)."""
        return self._candidates(conversation_id)[0]

    def _candidates(self, conversation_id: str) -> list[str]:
        now = time.monotonic()
        ranked = ranking(conversation_id, self._urls)
        up = [url for url in ranked if self._down_until.get(url, 0.0) <= now]
        return up or ranked  # all thought down: try them anyway, in order

    async def send(
        self, conversation_id: str, message: str, metadata: dict[str, Any] | None = None,
        *, on_started: Callable[[], None] | None = None,
    ) -> RasaReply:
        """One turn. `on_started` is called once, when the turn leaves the queue here for Rasa."""
        body = {"sender": conversation_id, "message": message, "metadata": metadata or {}}
        return await self._post(conversation_id, "/webhooks/rest/webhook", body, lambda data: data, on_started)

    async def trigger_intent(self, conversation_id: str, intent: str, entities: dict[str, Any] | None = None) -> RasaReply:
        """Start a turn the bot begins itself (a follow-up), collecting the bot's messages."""
        body = {"name": intent, "entities": entities or {}}
        return await self._post(
            conversation_id, f"/conversations/{conversation_id}/trigger_intent", body,
            lambda data: data.get("messages", []),
        )

    async def is_ready(self) -> bool:
        """At least one server answers."""
        for url in self._urls:
            try:
                response = await self._client.get(f"{url}/", timeout=2.0)
                if response.status_code == 200:
                    self._down_until.pop(url, None)
                    return True
            except httpx.HTTPError:
                continue
        return False

    async def _post(
        self, conversation_id: str, path: str, body: dict[str, Any], pick,
        on_started: Callable[[], None] | None = None,
    ) -> RasaReply:
        response: httpx.Response | None = None
        last_error = "no server"
        queued_ms = 0.0
        started = time.perf_counter()
        for url in self._candidates(conversation_id):
            try:
                waited = time.perf_counter()
                async with self._turns[url]:
                    started = time.perf_counter()
                    queued_ms += (started - waited) * 1000
                    if on_started is not None:
                        on_started()
                        on_started = None  # once, even if the turn then moves to another server
                    response = await self._client.post(f"{url}{path}", json=body)
            except httpx.ConnectError as exc:  # never reached the server: safe to try the next one
                self._down_until[url] = time.monotonic() + self._recheck_seconds
                last_error = type(exc).__name__
                continue
            except httpx.HTTPError as exc:  # it may have the turn: do not send it elsewhere
                raise RasaUnavailable(type(exc).__name__) from exc
            if response.status_code in (502, 503):  # starting or shutting down: nothing was processed
                self._down_until[url] = time.monotonic() + self._recheck_seconds
                last_error = f"HTTP {response.status_code}"
                continue
            self._down_until.pop(url, None)
            break
        if response is None or response.status_code in (502, 503):
            raise RasaUnavailable(last_error)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            raw = pick(response.json())
        except ValueError as exc:
            raise RasaUnavailable("invalid JSON") from exc
        read = read_reply(raw)
        actions_ms = sum(float(t.get("ms", 0)) for t in read.timings)
        return RasaReply(
            messages=read.messages, rasa_ms=max(elapsed - actions_ms, 0.0), actions_ms=actions_ms,
            timings=read.timings, signals=read.signals, queued_ms=queued_ms,
        )
