"""Safety texts are never given up silently, and flags out of hours reach the duty contact."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.app import create_app
from bot.channels import sms_status
from bot.config import ConfigError
from bot.db import session_factory
from bot.gateway.outbox import SAFETY_BACKOFF_CAP, OutboxWorker, PermanentSendError, TransientSendError, enqueue
from bot.models import ChannelAddress, Handoff, OutboundMessage, utcnow
from bot.policy import crisis
from bot.policy.hours import WorkingHours
from bot.records.people import get_or_create_address
from tests.actions.dialogue import RecordingSender, dialogue
from tests.channels.helpers import make_settings

NUMBER, DUTY = "+447700900610", "+447700900999"
MONDAY_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
SATURDAY_NIGHT = datetime(2026, 12, 5, 22, 0, tzinfo=timezone.utc)


def _send_until_quiet(worker: OutboxWorker, sessions, rounds: int) -> None:
    for _ in range(rounds):
        asyncio.run(worker.send_due())
        with sessions() as s:  # as if each retry's time had come
            s.execute(update(OutboundMessage).where(OutboundMessage.status == "queued")
                      .values(next_attempt_at=utcnow()))
            s.commit()


def test_a_safety_text_keeps_retrying_past_max_attempts_and_is_flagged_once_after_the_set_time(database_url, session):
    address = get_or_create_address(session, "sms", NUMBER)
    safety = enqueue(session, address, crisis.SAFETY_MESSAGE, kind="safety")
    reply = enqueue(session, get_or_create_address(session, "sms", "+447700900611"), "A reply", kind="reply")
    session.commit()
    sessions = session_factory(database_url)
    sender = RecordingSender()
    sender.failing = TransientSendError("twilio 500")
    worker = OutboxWorker(sessions, {"sms": sender}, max_attempts=3)
    crisis.configure(crisis.CrisisConfig(undelivered_after=timedelta(hours=1)))
    try:
        _send_until_quiet(worker, sessions, 5)
        session.expire_all()
        assert session.get(OutboundMessage, reply.id).status == "failed"  # ordinary texts are given up
        kept = session.get(OutboundMessage, safety.id)
        assert kept.status == "queued" and kept.attempts == 5 and kept.escalated_at is None
        assert session.scalars(select(Handoff)).all() == []  # not failing long enough yet
        session.execute(update(OutboundMessage).where(OutboundMessage.id == safety.id)
                        .values(created_at=utcnow() - timedelta(hours=1, seconds=1)))
        session.commit()
        _send_until_quiet(worker, sessions, 3)
        session.expire_all()
        flag = session.scalars(select(Handoff)).one()  # once, not once per attempt
        assert flag.urgent and crisis.NOT_DELIVERED in flag.context["warnings"]
        assert session.get(OutboundMessage, safety.id).status == "queued"  # and still trying
        sender.failing = None
        _send_until_quiet(worker, sessions, 1)
        assert sender.sent == [crisis.SAFETY_MESSAGE]
    finally:
        crisis.configure(crisis.CrisisConfig())


def test_safety_retries_are_capped_so_a_long_outage_is_retried_often():
    from bot.gateway.outbox import backoff

    assert backoff(20) > SAFETY_BACKOFF_CAP and SAFETY_BACKOFF_CAP <= timedelta(minutes=1)


def test_a_safety_text_refused_for_good_is_flagged_at_once(database_url, session):
    address = get_or_create_address(session, "sms", NUMBER)
    enqueue(session, address, crisis.SAFETY_MESSAGE, kind="safety")
    session.commit()
    sessions = session_factory(database_url)
    sender = RecordingSender()
    sender.failing = PermanentSendError("twilio 400 error 21211")
    asyncio.run(OutboxWorker(sessions, {"sms": sender}, max_attempts=3).send_due())
    session.expire_all()
    assert crisis.NOT_DELIVERED in session.scalars(select(Handoff)).one().context["warnings"]


def test_an_undelivered_report_for_a_safety_text_raises_the_flag(database_url, session):
    address = get_or_create_address(session, "sms", NUMBER)
    safety = enqueue(session, address, crisis.SAFETY_MESSAGE, kind="safety")
    other = enqueue(session, address, "A reply", kind="reply")
    safety.status, safety.provider_id = "sent", "SM-safety"
    other.status, other.provider_id = "sent", "SM-other"
    session.commit()
    sessions = session_factory(database_url)
    sms_status.record_callback(sessions, "SM-other", "undelivered", "30003")
    assert session.scalars(select(Handoff)).all() == []
    sms_status.record_callback(sessions, "SM-safety", "undelivered", "30003")
    sms_status.record_callback(sessions, "SM-safety", "failed", "30003")
    session.expire_all()
    assert crisis.NOT_DELIVERED in session.scalars(select(Handoff)).one().context["warnings"]


def test_out_of_hours_a_flag_alerts_the_duty_contact_once_without_details(database_url, session):
    talk = dialogue(database_url, echo=True)
    closed_today = WorkingHours(days=frozenset({(utcnow().weekday() + 3) % 7}))  # out of hours whatever the clock
    crisis.configure(crisis.CrisisConfig(hours=closed_today, duty_contact=("sms", DUTY)))
    try:
        talk.text_in(NUMBER, "I want to kill myself")
        talk.text_in(NUMBER, "i took too many pills")
        assert talk.sender.received(DUTY) == [crisis.DUTY_ALERT]  # once per flag, and nothing about them
        assert "116 123" in talk.sender.received(NUMBER)[1]  # out of hours: Samaritans are there now
        duty = session.scalar(select(ChannelAddress).where(ChannelAddress.address == DUTY))
        kinds = session.scalars(select(OutboundMessage.kind).where(OutboundMessage.address_id == duty.id)).all()
        assert kinds == ["alert"]
    finally:
        crisis.configure(crisis.CrisisConfig())


def test_in_hours_no_duty_alert_is_sent(database_url, session):
    talk = dialogue(database_url, echo=True)
    always = WorkingHours(days=frozenset(range(7)), start=time(0, 0), end=time(23, 59, 59), bank_holidays="none")
    crisis.configure(crisis.CrisisConfig(hours=always, duty_contact=("sms", DUTY)))
    try:
        talk.text_in(NUMBER, "I want to kill myself")
        assert talk.sender.received(DUTY) == []
        assert talk.sender.received(NUMBER)[1] == crisis.SEEN_TODAY
    finally:
        crisis.configure(crisis.CrisisConfig())


def test_the_follow_on_says_when_a_link_worker_will_see_it():
    hours = WorkingHours()
    assert crisis.follow_on(hours, MONDAY_NOON) == crisis.SEEN_TODAY
    assert "on Monday morning" in crisis.follow_on(hours, SATURDAY_NIGHT)
    assert "tomorrow morning" in crisis.follow_on(hours, datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc))
    assert "this morning" in crisis.follow_on(hours, datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc))
    # Christmas Day and Boxing Day (observed on Monday 28th) are bank holidays in England:
    assert "on Tuesday morning" in crisis.follow_on(hours, datetime(2026, 12, 24, 17, 30, tzinfo=timezone.utc))
    # British Summer Time: 08:30 UTC on a June Monday is 09:30 in London, so someone is there.
    assert hours.is_open(datetime(2026, 6, 1, 8, 30, tzinfo=timezone.utc))


def test_a_duty_contact_on_a_channel_that_is_not_set_up_stops_start_up(tmp_path):
    for contact in ("pigeon:42", "telegram:12345"):
        settings = make_settings(tmp_path, duty_contact=contact, telegram_bot_token="")
        with pytest.raises(ConfigError, match="DUTY_CONTACT"):
            create_app(settings)
    create_app(make_settings(tmp_path, duty_contact=f"sms:{DUTY}"))  # Twilio is set up in these settings
    crisis.configure(crisis.CrisisConfig())
