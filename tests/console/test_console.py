import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.config import load_settings
from bot.console.auth import create_user
from bot.models import AuditLog, Handoff, OutboundMessage
from bot.records.consent import KEEP_DATA, record_consent
from bot.records.handoffs import request_handoff
from bot.records.people import get_or_create_address


@pytest.fixture
def client(database_url, session):
    create_user(session, "lw", "a-long-password", "link_worker")
    create_user(session, "cur", "another-long-password", "curator")
    session.commit()
    settings = replace(load_settings(), database_url=database_url, rasa_url="http://127.0.0.1:9")
    with TestClient(create_app(settings)) as c:
        yield c


def login(client, username, password):
    form = client.get("/console/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    return client.post("/console/login", data={"username": username, "password": password, "csrf": token})


def csrf(client, path="/console"):
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/console/handoffs", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console/login"


def test_wrong_password_is_refused(client):
    assert "do not match" in login(client, "lw", "wrong-password-123").text
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_login_without_csrf_token_is_refused(client):
    client.get("/console/login")
    response = client.post("/console/login", data={"username": "lw", "password": "a-long-password"})
    assert response.status_code == 403


def test_session_cookie_is_http_only_and_strict(client):
    response = login(client, "lw", "a-long-password")
    cookie = response.history[0].headers["set-cookie"] if response.history else response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()


def test_link_worker_sees_urgent_first_replies_and_hands_back(client, session):
    calm = get_or_create_address(session, "sms", "+447700900100")
    worried = get_or_create_address(session, "sms", "+447700900101")
    request_handoff(session, calm.person_id, "asked", context={"consent": True, "needs": ["loneliness"], "area": "SR2 8PN"})
    urgent = request_handoff(session, worried.person_id, "crisis", urgent=True, context={"crisis_kind": "suicide"})
    session.commit()

    login(client, "lw", "a-long-password")
    page = client.get("/console/handoffs").text
    assert page.index("Urgent") < page.index("Asked for a person")
    assert "+447700900" not in page  # the number is never shown

    token = csrf(client, "/console/handoffs")
    client.post(f"/console/handoffs/{urgent.id}/claim", data={"csrf": token})
    sent = client.post(f"/console/handoffs/{urgent.id}/reply", data={"message": "Hi, it's Sam from the team. Are you safe?", "csrf": token})
    assert "Your message is in the outbox" in sent.text
    session.expire_all()
    out = session.query(OutboundMessage).filter_by(address_id=worried.id, kind="human").one()
    assert out.body == "Hi, it's Sam from the team. Are you safe?"

    confirm = client.get(f"/console/handoffs/{urgent.id}/hand-back")
    assert "Hand person" in confirm.text and "back to the bot?" in confirm.text
    client.post(f"/console/handoffs/{urgent.id}/hand-back", data={"csrf": token})
    assert f"/console/handoffs/{urgent.id}" not in client.get("/console/handoffs").text
    actions = [a.action for a in session.query(AuditLog).filter_by(entity="handoff").order_by(AuditLog.at)
               if not a.action.startswith("view")]
    assert actions == ["claim", "reply", "hand_back"]


def test_curator_cannot_open_the_handoff_queue(client):
    login(client, "cur", "another-long-password")
    refused = client.get("/console/handoffs")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")  # a page, not raw JSON
    assert "You cannot see this page" in refused.text


def test_what_matters_in_their_own_words_is_shown_only_with_consent(client, session):
    from bot.records.people import keep_what_matters

    agreed = get_or_create_address(session, "sms", "+447700900102").person
    refused = get_or_create_address(session, "sms", "+447700900103").person
    agreed.consent_to_keep, refused.consent_to_keep = True, False
    record_consent(session, agreed, KEEP_DATA, True, "Keep my details", "sms")  # the console shows only with consent
    record_consent(session, refused, KEEP_DATA, False, "Keep my details", "sms")
    assert keep_what_matters(session, agreed, "me mam's on her own since me dad passed", ["loneliness"])
    assert not keep_what_matters(session, refused, "i need help with my debts", ["money"])
    for person in (agreed, refused):
        request_handoff(session, person.id, "asked", context={"consent": bool(person.consent_to_keep)})
    session.commit()
    assert agreed.needs == ["loneliness"] and refused.what_matters is None

    login(client, "lw", "a-long-password")
    page = client.get("/console/handoffs").text
    assert "me mam&#39;s on her own since me dad passed" in page
    assert "debts" not in page
    handoff = session.query(Handoff).filter_by(person_id=agreed.id).one()
    case_file = client.get(f"/console/handoffs/{handoff.id}").text
    assert "In their own words" in case_file and "me mam&#39;s on her own since me dad passed" in case_file
