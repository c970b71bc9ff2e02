"""Retention: what is deleted for people without consent, what is always kept, and what waits."""

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from bot.db import session_factory
from bot.gateway.outbox import enqueue
from bot.jobs.retention import RetentionScheduler, purge_expired
from bot.models import (
    ChannelAddress,
    Consent,
    DeliveryEvent,
    FollowUp,
    Goal,
    Handoff,
    InboundMessage,
    OutboundMessage,
    Person,
)
from bot.records.consent import FOLLOW_UP, KEEP_DATA, record_consent
from bot.records.goals import create_goal, schedule_check_in
from bot.records.handoffs import request_handoff
from bot.records.people import get_or_create_address

T0 = datetime.now(timezone.utc)
_numbers = iter(range(10_000))


@pytest.fixture
def tracker_url(tmp_path):
    """A tracker store shaped like Rasa 3.6's SQLTrackerStore (one `events` table)."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    with create_engine(url).begin() as conn:
        conn.execute(text(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,"
            " timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
        ))
        conn.execute(text("CREATE INDEX ix_events_sender_id ON events (sender_id)"))
    return url


def say(tracker_url, sender_id, words, at=T0):
    with create_engine(tracker_url).begin() as conn:
        for type_name, extra in [("user", {"text": words}), ("bot", {"text": "Thanks for telling me."})]:
            conn.execute(
                text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :t, :ts, :d)"),
                {"s": sender_id, "t": type_name, "ts": at.timestamp(), "d": json.dumps({"event": type_name, **extra})},
            )


def events_of(tracker_url, sender_id):
    with create_engine(tracker_url).connect() as conn:
        return conn.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender_id}).scalar()


def resident(session, tracker_url, *, keep=None, at=T0, opted_out=False, words="I feel lonely since my wife died"):
    """A person who texted once and got a delivered reply, with their conversation in the tracker."""
    address = get_or_create_address(session, "sms", f"+4477009{next(_numbers):05d}")
    person = address.person
    person.created_at = at
    if keep is not None:
        record_consent(session, person, KEEP_DATA, keep, "Can I keep your answers?", "sms").created_at = at
    session.add(InboundMessage(channel="sms", provider_id=f"SM{next(_numbers)}", address_id=address.id, status="done",
                               received_at=at, processed_at=at))
    out = enqueue(session, address, "Here are three groups near you.")
    out.status, out.created_at, out.sent_at, out.provider_id = "delivered", at, at, f"SMout{next(_numbers)}"
    session.add(DeliveryEvent(outbound_id=out.id, provider_id=out.provider_id, status="delivered", received_at=at))
    if opted_out:
        address.opted_out, address.opted_out_at = True, at
    session.commit()
    say(tracker_url, person.conversation_id, words, at)
    return person, address


def run(database_url, tracker_url, now, hours=24, days=30):
    return purge_expired(session_factory(database_url), tracker_url, no_consent_hours=hours, message_days=days, now=now)


def test_people_who_said_no_or_never_answered_are_deleted_once_idle(session, database_url, tracker_url):
    said_no, _ = resident(session, tracker_url, keep=False)
    never, _ = resident(session, tracker_url, keep=None)
    conversations = [said_no.conversation_id, never.conversation_id]
    counts = run(database_url, tracker_url, T0 + timedelta(hours=25))
    session.expire_all()
    assert counts.people_removed == 2 and counts.inbound_deleted == 2 and counts.outbound_deleted == 2
    assert counts.tracker_events_deleted == 4
    for model in (Person, ChannelAddress, Consent, InboundMessage, OutboundMessage, DeliveryEvent):
        assert session.query(model).count() == 0, model
    assert [events_of(tracker_url, c) for c in conversations] == [0, 0]


def test_nothing_goes_before_the_idle_time(session, database_url, tracker_url):
    quiet_id = resident(session, tracker_url, keep=False)[0].id
    person, address = resident(session, tracker_url, keep=False)
    session.add(InboundMessage(channel="sms", provider_id="SMlate", address_id=address.id, status="done",
                               received_at=T0 + timedelta(hours=20)))
    session.commit()
    say(tracker_url, person.conversation_id, "hello again", T0 + timedelta(hours=20))
    counts = run(database_url, tracker_url, T0 + timedelta(hours=25))
    assert counts.people_removed == 1 and counts.tracker_events_deleted == 2  # only the quiet one
    session.expire_all()
    assert session.get(Person, quiet_id) is None and session.get(Person, person.id) is not None
    assert events_of(tracker_url, person.conversation_id) == 4
    assert run(database_url, tracker_url, T0 + timedelta(hours=45)).people_removed == 1


def test_an_opted_out_number_is_kept_with_nothing_else(session, database_url, tracker_url):
    person, address = resident(session, tracker_url, keep=False, opted_out=True)
    old_conversation = person.conversation_id
    counts = run(database_url, tracker_url, T0 + timedelta(hours=25))
    session.expire_all()
    assert counts.people_kept_as_opt_out == 1 and counts.people_removed == 0
    kept = session.get(ChannelAddress, address.id)
    assert kept.opted_out and kept.opted_out_at is not None and kept.address == address.address
    shell = session.get(Person, person.id)
    assert shell.conversation_id != old_conversation and shell.consent_to_keep is None and shell.last_options is None
    assert session.query(Consent).count() == session.query(InboundMessage).count() == session.query(OutboundMessage).count() == 0
    assert events_of(tracker_url, old_conversation) == 0
    # Nothing left to do next time, and it is not counted again.
    again = run(database_url, tracker_url, T0 + timedelta(hours=50))
    assert (again.people_kept_as_opt_out, again.people_removed, again.conversations_forgotten) == (0, 0, 0)


@pytest.mark.parametrize("pending", ["inbound", "outbound", "open_handoff", "claimed_handoff"])
def test_anything_pending_keeps_the_person_whole(session, database_url, tracker_url, pending):
    bystander, _ = resident(session, tracker_url, keep=False)  # idle, nothing pending: goes
    bystander_id, bystander_conversation = bystander.id, bystander.conversation_id
    person, address = resident(session, tracker_url, keep=False)
    if pending == "inbound":
        session.add(InboundMessage(channel="sms", provider_id="SMwait", address_id=address.id, text="are you there",
                                   status="pending", received_at=T0))
    elif pending == "outbound":
        enqueue(session, address, "A link worker will text you.").created_at = T0
    else:
        handoff = request_handoff(session, person.id, "asked", context={"consent": False})
        handoff.created_at = T0
        handoff.status = "open" if pending == "open_handoff" else "claimed"
    session.commit()
    counts = run(database_url, tracker_url, T0 + timedelta(hours=25))
    session.expire_all()
    assert counts.people_waiting == 1 and counts.people_removed == 1 and counts.conversations_forgotten == 1
    assert session.get(Person, bystander_id) is None and events_of(tracker_url, bystander_conversation) == 0
    assert session.get(Person, person.id) is not None and session.get(ChannelAddress, address.id) is not None
    assert session.query(InboundMessage).filter_by(address_id=address.id).count() >= 1
    assert session.query(OutboundMessage).filter_by(address_id=address.id).count() >= 1
    assert events_of(tracker_url, person.conversation_id) == 2


def test_a_closed_handoff_does_not_keep_the_person(session, database_url, tracker_url):
    person, _ = resident(session, tracker_url, keep=False)
    handoff = request_handoff(session, person.id, "crisis", urgent=True)
    handoff.created_at, handoff.status, handoff.closed_at = T0, "closed", T0 + timedelta(hours=2)
    session.commit()
    assert run(database_url, tracker_url, T0 + timedelta(hours=25)).people_waiting == 0  # closed 23h before: not idle
    assert session.get(Person, person.id) is not None
    counts = run(database_url, tracker_url, T0 + timedelta(hours=27))
    session.expire_all()
    assert counts.people_removed == 1 and session.query(Handoff).count() == 0


def test_consenting_people_keep_records_but_not_old_messages_or_conversations(session, database_url, tracker_url):
    person, address = resident(session, tracker_url, keep=True)
    keep = session.query(Consent).filter_by(person_id=person.id).one()
    goal = create_goal(session, person, keep, "Go to the choir", need="creative")
    session.commit()
    assert run(database_url, tracker_url, T0 + timedelta(days=2)).people_removed == 0
    assert session.query(OutboundMessage).count() == 1 and events_of(tracker_url, person.conversation_id) == 2

    newer = enqueue(session, address, "See you at the choir.")
    newer.created_at, newer.status = T0 + timedelta(days=25), "delivered"
    session.commit()
    counts = run(database_url, tracker_url, T0 + timedelta(days=31))
    session.expire_all()
    assert (counts.inbound_deleted, counts.outbound_deleted) == (1, 1)
    assert [m.id for m in session.query(OutboundMessage)] == [newer.id]
    assert session.query(DeliveryEvent).count() == 0
    assert session.get(Goal, goal.id) is not None and session.get(Person, person.id).consent_to_keep is True
    assert events_of(tracker_url, person.conversation_id) == 0  # idle 31 days, nothing scheduled


def test_a_scheduled_check_in_keeps_a_consenting_conversation(session, database_url, tracker_url):
    person, _ = resident(session, tracker_url, keep=True)
    keep = session.query(Consent).filter_by(person_id=person.id).one()
    goal = create_goal(session, person, keep, "Go to the walking group")
    follow = record_consent(session, person, FOLLOW_UP, True, "Can I text you?", "sms")
    schedule_check_in(session, goal, follow, "1_month", today=(T0 + timedelta(days=20)).date())
    session.commit()
    run(database_url, tracker_url, T0 + timedelta(days=40))
    assert events_of(tracker_url, person.conversation_id) == 2
    assert {f.status for f in session.query(FollowUp)} == {"scheduled"}  # the whole series


def test_orphaned_conversations_are_forgotten_when_idle(session, database_url, tracker_url):
    say(tracker_url, "erased-earlier", "my address is 1 High Street", T0)
    say(tracker_url, "still-talking", "hello", T0 + timedelta(hours=10))
    counts = run(database_url, tracker_url, T0 + timedelta(hours=25))
    assert counts.conversations_forgotten == 1
    assert events_of(tracker_url, "erased-earlier") == 0 and events_of(tracker_url, "still-talking") == 2


def test_a_tracker_store_rasa_has_not_created_yet_is_fine(session, database_url, tmp_path):
    resident_url = f"sqlite:///{tmp_path / 'empty-tracker.db'}"
    address = get_or_create_address(session, "sms", "+447700900555")
    address.person.created_at = T0
    session.commit()
    counts = run(database_url, resident_url, T0 + timedelta(hours=25))
    assert counts.people_removed == 1 and counts.tracker_events_deleted == 0


def test_the_scheduler_logs_counts_only(session, database_url, tracker_url, caplog):
    resident(session, tracker_url, keep=False, at=T0 - timedelta(days=3))
    scheduler = RetentionScheduler(session_factory(database_url), tracker_url, no_consent_hours=24, message_days=30,
                                   interval_seconds=3600)
    with caplog.at_level(logging.INFO, logger="community_connect"):
        counts = scheduler.run_once()
    assert counts.people_removed == 1
    record = next(r for r in caplog.records if getattr(r, "fields", {}).get("event") == "retention_done")
    assert record.fields["people_removed"] == 1
    assert all(isinstance(v, int) for k, v in record.fields.items() if k != "event")
    assert "+4477" not in caplog.text and "lonely" not in caplog.text


def test_cli_purge_expired(session, database_url, tracker_url, monkeypatch, capsys):
    from bot.cli import main

    resident(session, tracker_url, keep=None, at=T0 - timedelta(days=3))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RASA_TRACKER_DB_URL", tracker_url)
    assert main(["purge-expired"]) == 0
    out = capsys.readouterr().out
    assert "people removed: 1" in out and "tracker events deleted: 2" in out
    session.expire_all()
    assert session.query(Person).count() == 0


def test_one_process_at_a_time_runs_the_retention_pass(session, database_url, tracker_url):
    """Every app process has a scheduler; the lease lets one pass run, and is handed on at stop."""
    resident(session, tracker_url, keep=False, at=T0 - timedelta(days=3))
    sessions = session_factory(database_url)
    first, second = (
        RetentionScheduler(sessions, tracker_url, no_consent_hours=24, message_days=30, interval_seconds=3600,
                           holder=holder)
        for holder in ("app-1", "app-2")
    )
    counts = first.run_once()
    assert counts is not None and counts.people_removed == 1
    assert second.run_once() is None  # app-1 holds the lease
    assert first.run_once() is not None  # the holder keeps it, pass after pass
    first.stop()
    assert second.run_once() is not None  # handed on at once
