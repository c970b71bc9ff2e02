"""Conversations are spread over several Rasa servers, each conversation always to the same one."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bot.dialogue.endpoints import endpoints, rasa_tracker_url
from bot.dialogue.rasa_client import RasaClient, RasaUnavailable, ranking

URLS = ["http://rasa-a:5005", "http://rasa-b:5005", "http://rasa-c:5005"]


def test_each_conversation_keeps_one_server_and_load_spreads():
    ids = [f"conv-{i}" for i in range(3000)]
    first = {cid: ranking(cid, URLS)[0] for cid in ids}
    assert all(ranking(cid, URLS)[0] == first[cid] for cid in ids)  # stable
    counts = {url: sum(1 for v in first.values() if v == url) for url in URLS}
    assert min(counts.values()) > 800  # roughly a third each


def test_a_server_leaving_moves_only_its_own_conversations():
    ids = [f"conv-{i}" for i in range(2000)]
    before = {cid: ranking(cid, URLS)[0] for cid in ids}
    after = {cid: ranking(cid, URLS[:2])[0] for cid in ids}
    moved = [cid for cid in ids if before[cid] != after[cid]]
    assert moved and all(before[cid] == URLS[2] for cid in moved)


def _client(handler) -> RasaClient:  # type: ignore[no-untyped-def]
    return RasaClient(",".join(URLS), 5.0, transport=httpx.MockTransport(handler))


def test_a_refused_connection_fails_over_and_the_turn_is_answered_once():
    seen: list[str] = []
    down = ranking("c1", URLS)[0]

    def handler(request: httpx.Request) -> httpx.Response:
        url = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        if url == down:
            raise httpx.ConnectError("refused", request=request)
        seen.append(url)
        return httpx.Response(200, json=[{"text": "hello"}])

    async def run() -> None:
        client = _client(handler)
        reply = await client.send("c1", "hi")
        assert [m["text"] for m in reply.messages] == ["hello"]
        assert client.server_for("c1") != down  # remembered as down for a while
        await client.close()

    asyncio.run(run())
    assert seen == [ranking("c1", URLS)[1]]


def test_a_timeout_is_not_resent_to_another_server():
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise httpx.ReadTimeout("slow", request=request)

    async def run() -> None:
        client = _client(handler)
        with pytest.raises(RasaUnavailable):
            await client.send("c2", "hi")
        await client.close()

    asyncio.run(run())
    assert len(calls) == 1  # the server may still be working on it


def test_endpoints_for_postgres_and_redis():
    config = endpoints("postgresql+psycopg://cc@127.0.0.1:5432/tracker", "http://127.0.0.1:5055/webhook",
                       "redis://127.0.0.1:6380/2")
    assert config["tracker_store"]["url"] == "postgresql://cc@127.0.0.1:5432/tracker"
    assert config["lock_store"] == {"type": "redis", "url": "127.0.0.1", "port": 6380, "db": 2, "key_prefix": "cc"}
    assert endpoints("sqlite:////tmp/t.db", "http://x/webhook")["lock_store"] == {"type": "in_memory"}
    assert rasa_tracker_url("sqlite:////tmp/t.db") == "sqlite:////tmp/t.db"
    json.dumps(config)
