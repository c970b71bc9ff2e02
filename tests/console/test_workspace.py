"""The link-worker workspace: life cycle rules, what is shown with and without consent, audit, notes."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.config import load_settings
from bot.console.auth import create_user
from bot.db import session_factory
from bot.models import AuditLog, CaseNote, Goal, Handoff
from bot.policy.erasure import forget_person
from bot.records import handoffs as life
from bot.records.access import export_person
from bot.records.consent import KEEP_DATA, record_consent
from bot.records.handoffs import request_handoff
from bot.records.people import get_or_create_address
from bot.statuses import HandoffOutcome, HandoffStatus


@pytest.fixture
def client(database_url, session):
    create_user(session, "lw", "a-long-password", "link_worker")
    create_user(session, "lw2", "a-long-password", "link_worker")
    create_user(session, "boss", "a-long-password", "admin")
    create_user(session, "part", "a-long-password", "partner")
    session.commit()
    settings = replace(load_settings(), database_url=database_url, rasa_url="http://127.0.0.1:9")
    with TestClient(create_app(settings)) as c:
        yield c


def login(client: TestClient, username: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/login").text).group(1)  # type: ignore[union-attr]
    client.post("/console/login", data={"username": username, "password": "a-long-password", "csrf": token})
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/console").text).group(1)  # type: ignore[union-attr]


def test_claims_are_exclusive_even_from_two_sessions_at_once(database_url, session):
    address = get_or_create_address(session, "sms", "+447700900200")
    handoff = request_handoff(session, address.person_id, "asked")
    session.commit()
    sessions = session_factory(database_url)
    with sessions() as first, sessions() as second:
        a = life.claim(first, handoff.id, "lw")
        first.commit()
        b = life.claim(second, handoff.id, "lw2")
        second.commit()
    assert (a.ok, b.ok) == (True, False)
    assert b.holder == "lw"


def test_queue_and_person_views_are_audited_and_needs_read_as_words(client, session):
    address = get_or_create_address(session, "sms", "+447700900201")
    person = address.person
    consent = record_consent(session, person, KEEP_DATA, True, "Can I keep what you tell me?", "sms")
    session.add(Goal(person_id=person.id, consent_id=consent.id, text="walk with my sister on Tuesdays",
                     need="physical_activity", service_name="Hendon Health Walk"))
    session.flush()
    handoff = request_handoff(session, person.id, "asked",
                              context={"consent": True, "needs": ["mental_wellbeing"], "area": "SR2 8PN"})
    session.commit()

    login(client, "lw")
    queue = client.get("/console/handoffs").text
    assert "Feeling better in yourself" in queue and "mental_wellbeing" not in queue
    assert "SR2" in queue and "8PN" not in queue  # the district only
    view = client.get(f"/console/handoffs/{handoff.id}").text
    assert "walk with my sister on Tuesdays" in view and "Hendon Health Walk" in view
    session.expire_all()
    seen = [(a.actor, a.action, a.entity_id) for a in session.scalars(select(AuditLog).order_by(AuditLog.at))]
    assert ("lw", "view_queue", "queue") in seen and ("lw", "view_person", person.id) in seen
    queue_entry = session.scalar(select(AuditLog).where(AuditLog.action == "view_queue"))
    assert queue_entry is not None and queue_entry.changes["people"] == [person.id]  # who saw whom


def test_urgent_crisis_words_are_shown_without_sharing_consent_and_say_why(client, session):
    address = get_or_create_address(session, "sms", "+447700900202")
    handoff = request_handoff(session, address.person_id, "crisis", urgent=True, context={"words": ["i cant go on"]})
    calm = get_or_create_address(session, "sms", "+447700900203")
    quiet = request_handoff(session, calm.person_id, "asked", context={"words": ["not a crisis"]})
    session.commit()
    login(client, "lw")
    view = client.get(f"/console/handoffs/{handoff.id}").text
    assert "i cant go on" in view and "a person must read it" in view
    assert "not a crisis" not in client.get(f"/console/handoffs/{quiet.id}").text  # no consent, no crisis


def test_close_needs_an_outcome_and_admin_can_reassign(client, session):
    address = get_or_create_address(session, "sms", "+447700900204")
    handoff = request_handoff(session, address.person_id, "asked")
    session.commit()
    token = login(client, "lw")
    client.post(f"/console/handoffs/{handoff.id}/claim", data={"csrf": token})
    refused = client.post(f"/console/handoffs/{handoff.id}/reassign", data={"to": "lw2", "csrf": token})
    assert refused.status_code == 403 and "You cannot see this page" in refused.text

    admin = TestClient(client.app)
    admin_token = login(admin, "boss")
    assert "Handoff reassigned" in admin.post(f"/console/handoffs/{handoff.id}/reassign",
                                               data={"to": "lw2", "csrf": admin_token}).text
    session.expire_all()
    assert session.get(Handoff, handoff.id).claimed_by == "lw2"  # type: ignore[union-attr]

    other = TestClient(client.app)
    other_token = login(other, "lw2")
    missing = other.post(f"/console/handoffs/{handoff.id}/close", data={"outcome": "", "csrf": other_token})
    assert missing.status_code == 400 and "Choose how this handoff ended." in missing.text
    done = other.post(f"/console/handoffs/{handoff.id}/close",
                      data={"outcome": HandoffOutcome.PHONED, "note": "Rang her, going Tuesday.", "csrf": other_token})
    assert "Handoff closed." in done.text and "Rang her, going Tuesday." in done.text
    session.expire_all()
    closed = session.get(Handoff, handoff.id)
    assert closed is not None and (closed.status, closed.outcome, closed.closed_by) == (
        HandoffStatus.CLOSED, HandoffOutcome.PHONED, "lw2")


def test_case_notes_are_exported_and_erased(session):
    address = get_or_create_address(session, "sms", "+447700900205")
    handoff = request_handoff(session, address.person_id, "asked")
    life.add_note(session, address.person_id, "lw", "Prefers a call after 3pm.", handoff.id)
    session.commit()
    exported = export_person(session, address.person_id)
    assert [(n["author"], n["text"]) for n in exported["case_notes"]] == [("lw", "Prefers a call after 3pm.")]
    forget_person(session, address.person_id, "sms")
    session.commit()
    assert session.scalar(select(CaseNote)) is None


def test_a_role_that_may_not_see_a_page_gets_an_html_page(client):
    login(client, "part")
    refused = client.get("/console/handoffs")
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    assert "<h1>You cannot see this page</h1>" in refused.text
    assert "style=" not in client.get("/console/outcomes").text  # no inline CSS
    assert "default-src 'self'" in refused.headers["content-security-policy"]


def test_matches_carry_their_reasons_for_link_workers(client, session):
    address = get_or_create_address(session, "sms", "+447700900206")
    record_consent(session, address.person, KEEP_DATA, True, "Can I keep what you tell me?", "sms")
    offered = [{"name": "Hendon Health Walk", "reasons": ["0.8 miles", "Tuesdays 10am", "free"]}]
    handoff = request_handoff(session, address.person_id, "asked", context={"consent": True, "matches": offered})
    session.commit()
    login(client, "lw")
    page = client.get(f"/console/handoffs/{handoff.id}").text
    assert "Hendon Health Walk</strong>: 0.8 miles, Tuesdays 10am, free" in page


def test_the_handoff_records_import_first_in_a_fresh_process():
    """The action server imports bot.records.handoffs before the outbox: no import cycle."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import bot.records.handoffs, actions.check_in, actions.support"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
