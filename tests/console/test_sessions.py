"""Console sessions live on the server: an old cookie stops working when its session should end."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bot.app import create_app
from bot.config import load_settings
from bot.console import auth
from bot.console.sessions import digest
from bot.db import session_scope
from bot.models import ConsoleSession, ConsoleUser

PASSWORD = "a-long-password"


@pytest.fixture
def app_url(database_url):
    with session_scope(database_url) as s:
        auth.create_user(s, "lw", PASSWORD, "link_worker")
        auth.create_user(s, "boss", "boss-long-password", "admin")
    return database_url


@pytest.fixture
def client(app_url):
    settings = replace(load_settings(), database_url=app_url, rasa_url="http://127.0.0.1:9")
    with TestClient(create_app(settings)) as c:
        yield c


def csrf(client, path="/console/login"):
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def login(client, username="lw", password=PASSWORD):
    return client.post("/console/login", data={"username": username, "password": password, "csrf": csrf(client)},
                       follow_redirects=False)


def logged_in(client) -> bool:
    return client.get("/console", follow_redirects=False).status_code == 200


def replay(client, cookie):
    client.cookies.clear()
    client.cookies.set("cc_console", cookie)
    return logged_in(client)


def test_an_old_cookie_is_refused_after_logout(client):
    assert login(client).status_code == 303 and logged_in(client)
    old = client.cookies.get("cc_console")
    client.post("/console/logout", data={"csrf": csrf(client, "/console")})
    assert not logged_in(client)
    assert not replay(client, old), "a cookie saved before logging out still opens the console"


@pytest.mark.parametrize("change", ["deactivate", "role", "password", "row_edit"])
def test_an_old_cookie_is_refused_after_the_account_changes(client, app_url, change):
    login(client)
    old = client.cookies.get("cc_console")
    assert replay(client, old)
    with session_scope(app_url) as s:
        if change == "deactivate":
            assert auth.deactivate_user(s, "lw") == 1
        elif change == "role":
            auth.set_role(s, "lw", "curator")
        elif change == "password":
            auth.set_password(s, "lw", "a-brand-new-password")
        else:  # changed by any other route, straight in the table: the stamp still catches it
            s.execute(update(ConsoleUser).where(ConsoleUser.username == "lw").values(role="admin"))
    assert not replay(client, old)


def test_the_role_shown_and_enforced_comes_from_the_database(client, app_url):
    login(client, "boss", "boss-long-password")
    assert client.get("/console/outcomes").status_code == 200
    with session_scope(app_url) as s:
        auth.set_role(s, "boss", "curator")
    assert not logged_in(client)
    login(client, "boss", "boss-long-password")
    assert client.get("/console/outcomes").status_code == 403


def test_the_table_holds_only_a_digest_of_the_token(client, app_url):
    login(client)
    with session_scope(app_url) as s:
        rows = s.scalars(select(ConsoleSession)).all()
    assert len(rows) == 1 and len(rows[0].id) == 64
    assert rows[0].revoked_at is None and rows[0].expires_at > rows[0].created_at
    # the cookie is signed JSON holding the token; its digest, not the token, is the key
    import base64
    import json

    payload = json.loads(base64.b64decode(client.cookies.get("cc_console").split(".")[0] + "=="))
    assert digest(payload["sid"]) == rows[0].id and payload["sid"] != rows[0].id


def test_an_idle_or_expired_session_ends(client, app_url):
    from datetime import timedelta

    from bot.models import utcnow

    login(client)
    with session_scope(app_url) as s:
        s.execute(update(ConsoleSession).values(last_seen_at=utcnow() - timedelta(hours=2)))
    assert not logged_in(client)
    login(client)
    with session_scope(app_url) as s:
        s.execute(update(ConsoleSession).where(ConsoleSession.revoked_at.is_(None))
                  .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert not logged_in(client)


def test_with_an_https_public_url_the_cookie_is_secure(app_url):
    settings = replace(load_settings(), database_url=app_url, rasa_url="http://127.0.0.1:9",
                       public_url="https://connect.example.org", secure_cookies=True)
    with TestClient(create_app(settings), base_url="https://testserver") as c:
        response = login(c)
        assert response.status_code == 303 and "secure" in response.headers["set-cookie"].lower()
