"""Web chat duplicates are found per chat: a message id another browser also used is a new turn."""

from __future__ import annotations

import httpx

from bot.gateway import messages as texts
from tests.channels.helpers import RunningApp


def _browser(app: RunningApp) -> httpx.Client:
    browser = httpx.Client(base_url=app.url, timeout=30, headers={"x-webchat": "1"})
    assert browser.get("/chat").status_code == 200 and browser.cookies.get("webchat_id")
    return browser


def test_a_reused_message_id_from_another_browser_gets_its_own_turn(app: RunningApp) -> None:
    first, second = _browser(app), _browser(app)
    mine = first.post("/chat/api/messages", json={"text": "HELP", "client_id": "msg-00000001"}).json()
    theirs = second.post("/chat/api/messages", json={"text": "HELP", "client_id": "msg-00000001"}).json()
    assert mine["duplicate"] is False and theirs["duplicate"] is False
    assert [m["text"] for m in theirs["messages"]] == [texts.HELP]
    assert app.inbound_count() == 2
    # each browser's replies are its own
    assert first.get("/chat/api/messages").json()["messages"][0]["seq"] == mine["messages"][0]["seq"]
    assert len(second.get("/chat/api/messages").json()["messages"]) == 1


def test_a_retry_from_the_same_browser_is_still_a_duplicate(app: RunningApp) -> None:
    browser = _browser(app)
    once = browser.post("/chat/api/messages", json={"text": "HELP", "client_id": "msg-00000002"}).json()
    again = browser.post("/chat/api/messages", json={"text": "HELP", "client_id": "msg-00000002"}).json()
    assert once["duplicate"] is False and again["duplicate"] is True
    assert again["messages"] == once["messages"] and app.inbound_count() == 1
