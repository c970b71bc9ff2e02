"""Twilio status callbacks in any order, including before the app has saved the message's sid.

Twilio posts each status as its own request: they can overtake each other, and the first can
reach us while our send is still waiting for Twilio's answer (which carries the sid).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.channels import sms_status
from bot.channels.sms_status import later_status
from bot.db import session_factory
from bot.gateway.outbox import enqueue
from bot.models import DeliveryEvent, Handoff, OutboundMessage
from bot.records.people import get_or_create_address
from tests.channels.helpers import RunningApp, wait_for
from tests.fakes.twilio import FakeTwilio

RESIDENT = "+447700900123"


def _events(app: RunningApp) -> list[DeliveryEvent]:
    with app.sessions() as session:
        return list(session.scalars(select(DeliveryEvent).order_by(DeliveryEvent.received_at, DeliveryEvent.id)))


def _only_message(app: RunningApp) -> OutboundMessage:
    messages = app.outbound("sms")
    assert len(messages) == 1
    return messages[0]


def _sent_and_reported(app: RunningApp, fake: FakeTwilio, reported: int) -> OutboundMessage:
    """The single reply, once Twilio has it, its sid is saved and `reported` callbacks are stored."""
    wait_for(lambda: len(fake.sent) == 1 and len(_events(app)) == reported and _only_message(app).provider_id,
             timeout=15, what="the send and its callbacks")
    return _only_message(app)


def test_callbacks_before_the_sid_is_saved_are_linked_and_counted_once_it_is(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    fake_twilio.callbacks_before_response = True
    fake_twilio.callback_statuses = ["queued", "sent", "delivered"]
    fake_twilio.text_in(RESIDENT, "hi")

    message = _sent_and_reported(app, fake_twilio, 3)
    wait_for(lambda: _only_message(app).status == "delivered", timeout=15, what="the early 'delivered' to count")
    events = _events(app)
    assert [e.status for e in events] == ["queued", "sent", "delivered"]
    assert {e.outbound_id for e in events} == {message.id}
    assert {e.provider_id for e in events} == {fake_twilio.sent[0].sid}


def test_early_callbacks_out_of_order_end_at_the_furthest_status(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    fake_twilio.callbacks_before_response = True
    fake_twilio.callback_statuses = ["delivered", "sending", "sent"]  # the final news overtook the rest
    fake_twilio.text_in(RESIDENT, "hi")

    message = _sent_and_reported(app, fake_twilio, 3)
    wait_for(lambda: _only_message(app).status == "delivered", timeout=15, what="'delivered' to stand")
    assert {e.outbound_id for e in _events(app)} == {message.id}
    assert _only_message(app).last_error is None


def test_late_callbacks_out_of_order_never_move_a_message_back(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    fake_twilio.callback_statuses = ["undelivered", "sent", "sending", "queued"]
    fake_twilio.text_in(RESIDENT, "hi")

    message = _sent_and_reported(app, fake_twilio, 4)
    assert (message.status, message.last_error) == ("undelivered", "twilio error 30003")
    assert {e.outbound_id for e in _events(app)} == {message.id}


def test_an_early_failure_is_recorded_and_a_later_delivery_report_still_wins(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    fake_twilio.callbacks_before_response = True
    fake_twilio.callback_statuses = ["sent", "undelivered"]
    fake_twilio.text_in(RESIDENT, "hi")

    message = _sent_and_reported(app, fake_twilio, 2)
    wait_for(lambda: _only_message(app).status == "undelivered", timeout=15, what="the early failure to count")
    assert _only_message(app).last_error == "twilio error 30003"
    # A carrier's late delivery receipt: the text did reach the phone after all.
    late = fake_twilio.post_signed("/sms/status", {"MessageSid": message.provider_id, "MessageStatus": "delivered"})
    assert late.status_code == 204
    assert _only_message(app).status == "delivered"


def test_an_early_unsubscribed_report_opts_the_number_out_once_linked(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    fake_twilio.callbacks_before_response = True
    fake_twilio.callback_statuses = ["failed"]
    fake_twilio.error_codes = {"failed": "21610"}
    fake_twilio.text_in(RESIDENT, "hi")

    _sent_and_reported(app, fake_twilio, 1)
    wait_for(lambda: _only_message(app).status == "failed", timeout=15, what="the failure to count")
    assert _only_message(app).last_error == "twilio error 21610"
    assert app.address("sms", RESIDENT).opted_out


def test_a_callback_for_a_message_we_never_sent_is_kept_unlinked(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    response = fake_twilio.post_signed("/sms/status", {"MessageSid": "SMnotours", "MessageStatus": "delivered"})

    assert response.status_code == 204
    assert [(e.outbound_id, e.status) for e in _events(app)] == [(None, "delivered")]


@pytest.mark.parametrize(
    ("current", "reported", "expected"),
    [
        ("sent", "queued", "sent"),  # Twilio's own queue: we have already handed it over
        ("sent", "sending", "sent"),
        ("sent", "delivered", "delivered"),
        ("delivered", "sent", "delivered"),
        ("delivered", "undelivered", "delivered"),  # delivered is final
        ("undelivered", "sent", "undelivered"),
        ("undelivered", "delivered", "delivered"),  # a late receipt: it did arrive
        ("undelivered", "failed", "undelivered"),  # both final failures: the first report stands
        ("failed", "canceled", "failed"),
        ("sent", "read", "delivered"),
        ("suppressed", "delivered", "suppressed"),  # never sent by us: no callback changes that
        ("queued", "delivered", "queued"),
        ("sent", "something-new", "sent"),
    ],
)
def test_status_order(current: str, reported: str, expected: str) -> None:
    assert later_status(current, reported) == expected


def test_sent_and_delivered_reports_for_a_known_message_are_kept_and_move_it_forward(database_url, session):
    """The common callbacks (no rule applies): each one kept, linked, and the status only moves on."""
    address = get_or_create_address(session, "sms", RESIDENT)
    reply = enqueue(session, address, "A reply", kind="reply")
    reply.status, reply.provider_id = "sent", "SM-reply"
    session.commit()
    sessions = session_factory(database_url)
    for reported in ("sent", "delivered", "sent"):  # the last overtaken on the way: it moves nothing back
        assert sms_status.record_callback(sessions, "SM-reply", reported, None) == reply.id
    session.expire_all()
    assert session.get(OutboundMessage, reply.id).status == "delivered"
    events = session.scalars(select(DeliveryEvent).where(DeliveryEvent.outbound_id == reply.id)).all()
    assert sorted(e.status for e in events) == ["delivered", "sent", "sent"]
    assert session.scalars(select(Handoff)).all() == []
