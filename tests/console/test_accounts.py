"""Console accounts: the password policy, no silent resets, two-step codes, demo logins only in demo mode."""

from __future__ import annotations

import re
from dataclasses import replace

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot import cli
from bot.app import create_app
from bot.config import load_settings
from bot.console.auth import UserExists, create_user
from bot.console.passwords import PasswordRejected, check_policy
from bot.db import session_scope
from bot.devtools.demo import DEMO_USERS, create_demo_users
from bot.models import AuditLog, ConsoleUser


@pytest.mark.parametrize("password,why", [
    ("short-pass1", "at least 12"), ("x" * 300, "at most"), ("boss-of-bosses", "username"),
    ("BOSS-OF-BOSSES", "username"), ("password1234", "common"), ("Sunderland123", "common"),
    ("aaaaaaaaaaaaaaa", "common"),
])
def test_the_password_policy_refuses(password, why):
    with pytest.raises(PasswordRejected, match=why):
        check_policy(password, "boss-of-bosses")


def test_a_good_password_passes():
    check_policy("correct horse battery", "boss")


def test_create_user_applies_the_policy_and_never_silently_resets(sqlite_url):
    with session_scope(sqlite_url) as s:
        with pytest.raises(PasswordRejected):
            create_user(s, "lw", "lw", "link_worker")
        create_user(s, "lw", "a-long-password", "link_worker")
    with session_scope(sqlite_url) as s:
        before = s.scalar(select(ConsoleUser.password_hash).where(ConsoleUser.username == "lw"))
        with pytest.raises(UserExists, match="--reset-password"):
            create_user(s, "lw", "someone-elses-password", "admin")
    with session_scope(sqlite_url) as s:
        user = s.scalar(select(ConsoleUser).where(ConsoleUser.username == "lw"))
        assert user.password_hash == before and user.role == "link_worker"


def run_cli(monkeypatch, capsys, url, *argv, stdin=""):
    import io

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_cli_says_when_it_resets_a_password(monkeypatch, capsys, sqlite_url):
    code, said = run_cli(monkeypatch, capsys, sqlite_url, "create-user", "lw", "--role", "link_worker",
                         "--password-stdin", stdin="a-long-password\n")
    assert code == 0 and "is ready" in said
    code, said = run_cli(monkeypatch, capsys, sqlite_url, "create-user", "lw", "--role", "admin",
                         "--password-stdin", stdin="a-different-password\n")
    assert code == 1 and "already exists" in said and "--reset-password" in said
    code, said = run_cli(monkeypatch, capsys, sqlite_url, "create-user", "lw", "--role", "admin",
                         "--password-stdin", "--reset-password", stdin="a-different-password\n")
    assert code == 0 and "password reset" in said and "logged out" in said
    code, said = run_cli(monkeypatch, capsys, sqlite_url, "set-password", "lw", "--password-stdin",
                         stdin="password1234\n")
    assert code == 1 and "common" in said
    with session_scope(sqlite_url) as s:
        actions = [a.action for a in s.scalars(select(AuditLog).order_by(AuditLog.at))]
    assert actions == ["create_user", "reset_password"]


def _client(url, **changes):
    settings = replace(load_settings(), database_url=url, rasa_url="http://127.0.0.1:9", **changes)
    return TestClient(create_app(settings))


def _form(client, path, **data):
    page = client.get("/console/login").text if path == "/console/login" else data.pop("_page")
    data["csrf"] = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return client.post(path, data=data, follow_redirects=False)


def test_two_step_login_for_an_enrolled_admin(monkeypatch, capsys, sqlite_url):
    with session_scope(sqlite_url) as s:
        create_user(s, "boss", "admin-password-1", "admin")
    status, said = run_cli(monkeypatch, capsys, sqlite_url, "totp-enrol", "boss")
    assert status == 0
    uri = re.search(r"otpauth://\S+", said).group(0)
    assert "issuer=Community%20Connect" in uri
    totp = pyotp.parse_uri(uri)
    with _client(sqlite_url) as client:
        asked = _form(client, "/console/login", username="boss", password="admin-password-1")
        assert asked.status_code == 200 and "6-digit code" in asked.text
        assert client.get("/console", follow_redirects=False).status_code == 303, "the password alone is not enough"
        not_now = "000000" if totp.now() != "000000" else "111111"
        wrong = _form(client, "/console/login/code", _page=asked.text, code=not_now)
        assert "not right" in wrong.text
        code = totp.now()
        done = _form(client, "/console/login/code", _page=wrong.text, code=code)
        assert done.status_code == 303 and client.get("/console", follow_redirects=False).status_code == 200
    with _client(sqlite_url) as other:  # the same code again, by someone who saw it: refused
        asked = _form(other, "/console/login", username="boss", password="admin-password-1")
        replayed = _form(other, "/console/login/code", _page=asked.text, code=code)
        assert replayed.status_code == 200 and "not right" in replayed.text


def test_demo_mode_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("DEMO_MODE", raising=False)
    assert load_settings().demo_mode is False
    monkeypatch.setenv("DEMO_MODE", "1")
    assert load_settings().demo_mode is True


def test_with_demo_mode_off_load_demo_creates_no_login(monkeypatch, capsys, sqlite_url):
    monkeypatch.delenv("DEMO_MODE", raising=False)
    code, said = run_cli(monkeypatch, capsys, sqlite_url, "load-demo")
    assert code == 2 and "DEMO_MODE=1" in said
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(ConsoleUser)) == 0


def test_demo_logins_work_only_while_demo_mode_is_on(sqlite_url):
    with session_scope(sqlite_url) as s:
        create_demo_users(s)
        create_demo_users(s)  # idempotent: nothing reset, nothing doubled
        assert s.scalar(select(func.count()).select_from(ConsoleUser)) == len(DEMO_USERS)
    username, password, _ = DEMO_USERS[0]
    with _client(sqlite_url, demo_mode=True) as client:
        assert _form(client, "/console/login", username=username, password=password).status_code == 303
        assert client.get("/console", follow_redirects=False).status_code == 200
        cookie = client.cookies.get("cc_console")
    with _client(sqlite_url, demo_mode=False) as client:
        assert "do not match" in _form(client, "/console/login", username=username, password=password).text
        client.cookies.set("cc_console", cookie)
        assert client.get("/console", follow_redirects=False).status_code == 303, "a demo session outlives demo mode"
