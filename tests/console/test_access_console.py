"""The admins' page for access and erasure requests: who may use it, what it finds, what it audits."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.config import load_settings
from bot.console.auth import create_user
from bot.models import AuditLog, CaseNote, ErasureRequest, Goal, InboundMessage, Person
from tests.records.resident_records import make_tracker, resident, tracker_events

NUMBER = "+447700900321"
PASSWORD = "a-long-password"


@pytest.fixture
def client(database_url, session):
    for name, role in (("lw", "link_worker"), ("cur", "curator"), ("part", "partner"), ("boss", "admin")):
        create_user(session, name, PASSWORD, role)
    session.commit()
    settings = replace(load_settings(), database_url=database_url, rasa_url="http://127.0.0.1:9",
                       rasa_tracker_db=make_tracker(database_url))
    with TestClient(create_app(settings)) as c:
        yield c


def login(client: TestClient, username: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/login").text).group(1)  # type: ignore[union-attr]
    client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf": token})
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/console").text).group(1)  # type: ignore[union-attr]


def audit(session) -> list[AuditLog]:
    session.expire_all()
    return list(session.scalars(select(AuditLog).where(AuditLog.action.like("access%") | (AuditLog.action == "erase"))
                                .order_by(AuditLog.at)))


@pytest.mark.parametrize("username", ["lw", "cur", "part"])
def test_only_admins_may_use_it(client, session, username):
    someone = resident(session, NUMBER)
    token = login(client, username)
    pid = someone.person.id
    for method, path, data in [
        ("get", "/console/access", None),
        ("post", "/console/access", {"query": NUMBER, "csrf": token}),
        ("get", f"/console/access/{pid}", None),
        ("get", f"/console/access/{pid}/export.json", None),
        ("get", f"/console/access/{pid}/erase", None),
        ("post", f"/console/access/{pid}/erase", {"confirm": "yes", "csrf": token}),
    ]:
        answer = client.request(method, path, data=data)
        assert answer.status_code == 403, (method, path)
    assert "Data requests" not in client.get("/console").text
    session.expire_all()
    assert session.get(Person, pid).consent_to_keep is True and session.scalar(select(func.count(Goal.id))) == 1
    assert audit(session) == []


def test_look_up_by_any_uk_form_then_see_what_is_held_all_audited_without_the_number(client, session, caplog):
    someone = resident(session, NUMBER, tracker_url=client.app.state.settings.rasa_tracker_db)
    token = login(client, "boss")
    assert "Data requests" in client.get("/console").text
    caplog.set_level(logging.INFO)
    found = client.post("/console/access", data={"query": "07700 900321", "csrf": token})
    assert found.status_code == 200 and f"/console/access/{someone.person.id}" in found.text
    assert "1 person found" in found.text
    held = client.get(f"/console/access/{someone.person.id}")
    assert held.status_code == 200 and "What we hold about person" in held.text
    assert "Events in the conversation record (Rasa)" in held.text
    assert "can someone ring me" not in held.text  # counts on the page; the words only in the download
    nobody = client.post("/console/access", data={"query": "07700 900000", "csrf": token})
    assert "No one found" in nobody.text
    empty = client.post("/console/access", data={"query": " ", "csrf": token})
    assert empty.status_code == 400 and "Enter the phone number or Telegram chat ID" in empty.text
    refused = client.post("/console/access", data={"query": NUMBER, "csrf": "wrong"})
    assert refused.status_code == 403

    entries = audit(session)
    assert [(a.actor, a.action, a.entity_id) for a in entries] == [
        ("boss", "access_lookup", someone.person.id), ("boss", "access_view", someone.person.id),
        ("boss", "access_lookup", "none")]
    written = json.dumps([[a.actor, a.action, a.entity, a.entity_id, a.changes] for a in entries])
    logged = caplog.text
    for digits in ("900321", "900000"):
        assert digits not in written and digits not in logged


def test_download_is_the_complete_export_and_carries_its_own_audit_entry(client, session):
    tracker = client.app.state.settings.rasa_tracker_db
    someone = resident(session, NUMBER, tracker_url=tracker)
    login(client, "boss")
    answer = client.get(f"/console/access/{someone.person.id}/export.json")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"].startswith('attachment; filename="subject-access-')
    data = answer.json()
    assert data["exported_by"] == "boss" and data["person"]["id"] == someone.person.id
    assert [a["address"] for a in data["channel_addresses"]] == [NUMBER]
    assert {m["text"] for m in data["messages_received"]} == {"can someone ring me"}
    assert [e["event"] for e in data["rasa_transcript"]] == ["user", "slot", "action", "bot"]
    assert [n["text"] for n in data["case_notes"]] == ["Prefers a call after 3pm."]
    assert ("boss", "access_export") in {(t["who"], t["action"]) for t in data["record_views_and_changes"]}
    assert [(a.action, a.entity_id) for a in audit(session)] == [("access_export", someone.person.id)]
    assert client.get("/console/access/no-such-person/export.json").status_code == 404


def test_erasure_asks_for_confirmation_then_erases_ours_and_rasas_copy(client, session):
    tracker = client.app.state.settings.rasa_tracker_db
    someone = resident(session, NUMBER, tracker_url=tracker)
    old_conversation, person_id = someone.person.conversation_id, someone.person.id
    token = login(client, "boss")
    form = client.get(f"/console/access/{someone.person.id}/erase")
    assert form.status_code == 200 and "This cannot be undone" in form.text
    unconfirmed = client.post(f"/console/access/{someone.person.id}/erase", data={"csrf": token})
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    session.expire_all()
    assert session.scalar(select(func.count(Goal.id))) == 1 and tracker_events(tracker, old_conversation) == 4

    done = client.post(f"/console/access/{someone.person.id}/erase", data={"confirm": "yes", "csrf": token})
    assert done.status_code == 200 and "Erased." in done.text
    session.expire_all()
    for model in (Goal, CaseNote, InboundMessage):
        assert session.scalar(select(func.count()).select_from(model)) == 0, model
    assert tracker_events(tracker, old_conversation) == 0
    assert session.get(Person, person_id) is None  # the row goes too (nothing was waiting to be sent)
    request = session.scalar(select(ErasureRequest))
    erased = [a for a in audit(session) if a.action == "erase"]
    assert request is not None and [(a.actor, a.entity_id, a.changes) for a in erased] == [
        ("boss", f"erased:{request.id}", {"erasure_request": request.id})]
    assert not [a for a in audit(session) if a.entity_id == person_id]  # nothing in the audit names them
