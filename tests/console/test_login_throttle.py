"""Login throttling and lockout, audited; password hashing does not stall the web chat."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bot.app import create_app
from bot.config import load_settings
from bot.console.auth import create_user
from bot.db import session_scope
from bot.models import AuditLog, LoginThrottle, utcnow

PASSWORD = "a-long-password"
CHAT_BOUND_SECONDS = 1.5  # generous: an answered web chat message takes a few milliseconds here


def settings_for(url, **changes):
    return replace(load_settings(), database_url=url, rasa_url="http://127.0.0.1:9", **changes)


@pytest.fixture
def url(sqlite_url):
    with session_scope(sqlite_url) as s:
        create_user(s, "lw", PASSWORD, "link_worker")
        create_user(s, "cur", "another-long-password", "curator")
    return sqlite_url


def csrf(client):
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/console/login").text).group(1)


def login(client, username, password):
    return client.post("/console/login", data={"username": username, "password": password, "csrf": csrf(client)},
                       follow_redirects=False)


def audit(url, action):
    with session_scope(url) as s:
        return s.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def test_the_eleventh_wrong_password_is_throttled_and_locks_the_account(url):
    with TestClient(create_app(settings_for(url))) as client:
        for _ in range(10):
            assert "do not match" in login(client, "lw", "wrong-password-123").text
        eleventh = login(client, "lw", "wrong-password-123")
        assert eleventh.status_code == 429 and "Too many tries" in eleventh.text
        assert int(eleventh.headers["retry-after"]) > 60
        assert login(client, "lw", PASSWORD).status_code == 429, "the right password must wait out the lock too"
        assert login(client, "cur", "another-long-password").status_code == 303, "other accounts are not locked"
    failures, locks = audit(url, "login_failed"), audit(url, "login_locked")
    assert len(failures) == 10 and {f.actor for f in failures} == {"lw"}
    assert failures[0].changes["address"] == "testclient"
    assert len(locks) == 1 and locks[0].entity_id == "account:lw"


def test_the_lock_runs_out(url):
    with TestClient(create_app(settings_for(url, login_max_failures=2))) as client:
        login(client, "lw", "wrong-password-123")
        login(client, "lw", "wrong-password-123")
        assert login(client, "lw", PASSWORD).status_code == 429
        with session_scope(url) as s:
            s.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
        assert login(client, "lw", PASSWORD).status_code == 303


def test_one_address_trying_many_names_is_locked(url):
    with TestClient(create_app(settings_for(url, login_address_max_failures=3))) as client:
        for name in ("ann", "bob", "cat"):
            assert "do not match" in login(client, name, "wrong-password-123").text
        assert login(client, "lw", PASSWORD).status_code == 429
    assert [lock.entity_id for lock in audit(url, "login_locked")] == ["address:testclient"]


def test_a_burst_of_wrong_logins_is_throttled_while_the_web_chat_stays_responsive(url):
    """15 simultaneous wrong passwords: the count holds (10 checked, 5 refused), and chat answers."""
    app = create_app(settings_for(url, rate_limit_per_minute=10_000))

    async def scenario() -> tuple[list[int], list[float]]:
        async with app.router.lifespan_context(app):
            def client(address: str) -> httpx.AsyncClient:
                transport = httpx.ASGITransport(app=app, client=(address, 40000))
                return httpx.AsyncClient(transport=transport, base_url="http://testserver")

            async with client("10.0.0.1") as attacker, client("10.0.0.2") as resident:
                page = (await attacker.get("/console/login")).text
                token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
                await resident.get("/chat")
                warm = await resident.post("/chat/api/messages", headers={"x-webchat": "1"},
                                           json={"text": "HELP", "client_id": "warm-up-1"})
                assert warm.json()["messages"]  # the person exists before timing starts

                async def guess() -> int:
                    data = {"username": "lw", "password": "wrong-password-123", "csrf": token}
                    return (await attacker.post("/console/login", data=data)).status_code

                burst = [asyncio.create_task(guess()) for _ in range(15)]
                round_trips: list[float] = []
                n = 0
                while not all(task.done() for task in burst) or not round_trips:  # chat all through the burst
                    started = time.perf_counter()
                    sent = await resident.post("/chat/api/messages", headers={"x-webchat": "1"},
                                               json={"text": "HELP", "client_id": f"burst-msg-{n}"})
                    round_trips.append(time.perf_counter() - started)
                    assert sent.status_code == 200 and sent.json()["messages"], sent.text
                    n += 1
                    await asyncio.sleep(0.02)
                codes = await asyncio.gather(*burst)
        return codes, round_trips

    codes, round_trips = asyncio.run(scenario())
    print(f"web chat round trips during the burst: {[f'{t * 1000:.0f} ms' for t in round_trips]}")
    assert sorted(codes) == [200] * 10 + [429] * 5
    assert max(round_trips) < CHAT_BOUND_SECONDS, round_trips
