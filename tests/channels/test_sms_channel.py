"""SMS through Twilio, as a resident and Twilio see it: real webhooks in, the real client out."""

from __future__ import annotations

import math

from sqlalchemy import select

from bot.gateway import messages as texts
from bot.gateway.outbox import enqueue
from bot.models import DeliveryEvent
from bot.policy import opt_out
from tests.channels.helpers import PUBLIC_URL, RunningApp, wait_for
from tests.fakes.rasa import GREETING, FakeRasa
from tests.fakes.twilio import FakeTwilio

RESIDENT = "+447700900123"
OTHER = "+447700900456"


def _greeting_sms() -> str:
    return GREETING["text"]


def test_forged_or_unsigned_webhooks_are_refused_and_nothing_is_stored(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    forged = fake_twilio.text_in(RESIDENT, "hi", signature="bm90IGEgcmVhbCBzaWduYXR1cmU=")
    unsigned = fake_twilio.text_in(RESIDENT, "hi", signature="")
    # Signed, but for the app's internal address rather than its public URL: not what Twilio signs.
    params = {"MessageSid": "SMinternal", "From": RESIDENT, "Body": "hi", "NumMedia": "0"}
    internal = fake_twilio.post_signed("/sms/inbound", params, signature=fake_twilio.sign(app.url + "/sms/inbound", params))
    status = fake_twilio.post_signed("/sms/status", {"MessageSid": "SMx", "MessageStatus": "delivered"}, signature="")

    assert [r.status_code for r in (forged, unsigned, internal, status)] == [403, 403, 403, 403]
    assert app.inbound_count() == 0
    assert fake_twilio.sent == []


def test_signed_text_is_answered_by_sms_to_the_sender(app: RunningApp, fake_twilio: FakeTwilio, fake_rasa: FakeRasa) -> None:
    response = fake_twilio.text_in(RESIDENT, "hi")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.endswith("<Response/>")  # the reply goes by the REST API, not TwiML
    received = wait_for(lambda: fake_twilio.received(RESIDENT), what="the reply")
    assert received[0].startswith(_greeting_sms())
    assert "1 Meeting people\n2 Getting active" in received[0]
    sms = fake_twilio.sent[0]
    assert sms.from_ == "+447700900000"
    assert sms.status_callback == PUBLIC_URL + "/sms/status"
    assert RESIDENT not in fake_rasa.received[0]["sender"]  # Rasa never sees the number


def test_a_replayed_webhook_is_stored_once_and_answered_once(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    first = fake_twilio.text_in(RESIDENT, "hi", sid="SMreplayed0001")
    wait_for(lambda: fake_twilio.received(RESIDENT), what="the reply")
    again = fake_twilio.text_in(RESIDENT, "hi", sid="SMreplayed0001")
    app.quiet()

    assert (first.status_code, again.status_code) == (200, 200)
    assert app.inbound_count() == 1
    assert len(fake_twilio.received(RESIDENT)) == 1


def test_status_callbacks_record_delivered_and_undelivered(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    fake_twilio.outcomes[OTHER] = "undelivered"
    fake_twilio.text_in(RESIDENT, "hi")
    fake_twilio.text_in(OTHER, "hi")

    wait_for(lambda: {m.status for m in app.outbound("sms")} == {"delivered", "undelivered"}, what="final statuses")
    by_status = {m.status: m for m in app.outbound("sms")}
    assert by_status["undelivered"].last_error == "twilio error 30003"
    delivered = by_status["delivered"]
    # A late 'sent' (callbacks can arrive out of order) does not undo 'delivered'.
    late = fake_twilio.post_signed("/sms/status", {"MessageSid": delivered.provider_id, "MessageStatus": "sent"})
    assert late.status_code == 204
    with app.sessions() as session:
        events = list(session.scalars(select(DeliveryEvent).where(DeliveryEvent.provider_id == delivered.provider_id)))
    assert [e.status for e in events] == ["sent", "delivered", "sent"]
    assert {m.status for m in app.outbound("sms")} == {"delivered", "undelivered"}


def test_after_stop_nothing_reaches_the_phone_until_start(app: RunningApp, fake_twilio: FakeTwilio, fake_rasa: FakeRasa) -> None:
    # A reply is waiting to be retried (Twilio had a fault) when the resident texts STOP.
    fake_twilio.fail_next(500, 20500)
    fake_twilio.text_in(RESIDENT, "hi")
    wait_for(lambda: any(m.attempts == 1 for m in app.outbound("sms")), what="the failed first attempt")
    fake_twilio.text_in(RESIDENT, "STOP")
    wait_for(lambda: app.address("sms", RESIDENT).opted_out, what="the opt-out")
    app.make_due()
    wait_for(lambda: fake_twilio.received(RESIDENT), what="the opt-out confirmation")

    fake_twilio.text_in(RESIDENT, "are you there?")
    with app.sessions() as session:  # a check-in the scheduler queues later
        enqueue(session, app.address("sms", RESIDENT), "Time for your check-in: how did it go?", kind="follow_up")
        session.commit()
    app.quiet()
    assert fake_twilio.received(RESIDENT) == [opt_out.OPTED_OUT]
    assert fake_rasa.messages() == ["hi"]  # the pre-STOP message only
    assert sorted(m.status for m in app.outbound("sms") if m.kind in ("reply", "follow_up")) == ["suppressed", "suppressed"]

    fake_twilio.text_in(RESIDENT, "START")
    wait_for(lambda: len(fake_twilio.received(RESIDENT)) == 2, what="the welcome back")
    fake_twilio.text_in(RESIDENT, "hi")
    wait_for(lambda: len(fake_twilio.received(RESIDENT)) == 3, what="a normal reply")
    assert fake_twilio.received(RESIDENT)[1:] == [opt_out.OPTED_IN, fake_twilio.received(RESIDENT)[2]]
    assert fake_twilio.received(RESIDENT)[2].startswith(_greeting_sms())


def test_help_is_answered_without_the_dialogue_engine(app: RunningApp, fake_twilio: FakeTwilio, fake_rasa: FakeRasa) -> None:
    fake_twilio.text_in(RESIDENT, "help")

    assert wait_for(lambda: fake_twilio.received(RESIDENT), what="help text") == [texts.HELP]
    assert fake_rasa.received == []


def test_a_picture_with_no_words_gets_a_friendly_reply(app: RunningApp, fake_twilio: FakeTwilio, fake_rasa: FakeRasa) -> None:
    fake_twilio.text_in(RESIDENT, "", num_media=1)

    assert wait_for(lambda: fake_twilio.received(RESIDENT), what="the reply") == [texts.MEDIA_ONLY]
    assert fake_rasa.received == []


def test_twilio_failing_twice_then_succeeding_delivers_exactly_once(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(500, 20500)
    fake_twilio.fail_next(429, 20429)  # then "too many requests"
    fake_twilio.text_in(RESIDENT, "hi")

    for attempt in (1, 2):
        wait_for(lambda n=attempt: fake_twilio.requests == n, what=f"attempt {attempt}")
        wait_for(lambda n=attempt: app.outbound("sms")[0].attempts == n, what="the failure to be recorded")
        message = app.outbound("sms")[0]
        assert message.status == "queued"
        assert message.next_attempt_at.replace(tzinfo=None) > message.created_at.replace(tzinfo=None)  # later, not now
        assert fake_twilio.sent == []
        app.make_due()

    wait_for(lambda: app.statuses("sms") == ["delivered"], what="delivery")
    assert len(fake_twilio.received(RESIDENT)) == 1
    assert fake_twilio.requests == 3


def test_an_invalid_number_fails_at_once_without_retrying(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(400, 21211)
    fake_twilio.text_in(RESIDENT, "hi")

    wait_for(lambda: app.statuses("sms") == ["failed"], what="the failure")
    app.make_due()
    app.quiet()
    message = app.outbound("sms")[0]
    assert (message.attempts, message.last_error) == (1, "twilio 400 error 21211")
    assert RESIDENT not in message.last_error
    assert fake_twilio.requests == 1


def test_twilio_saying_the_number_unsubscribed_marks_it_opted_out(app: RunningApp, fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(400, 21610)
    fake_twilio.text_in(RESIDENT, "hi")

    wait_for(lambda: app.statuses("sms") == ["failed"], what="the failure")
    assert app.address("sms", RESIDENT).opted_out
    fake_twilio.text_in(RESIDENT, "hello again")
    app.quiet()
    assert fake_twilio.sent == []


def test_a_long_reply_is_split_at_sentence_ends_and_segments_are_recorded(
    app: RunningApp, fake_twilio: FakeTwilio, fake_rasa: FakeRasa,
) -> None:
    sentences = [f"Group {i} meets every week at the community centre on Station Road, and everyone is welcome." for i in range(8)]
    fake_rasa.replies["what is on"] = [{"text": " ".join(sentences)}]
    fake_twilio.text_in(RESIDENT, "what is on")

    app.quiet()
    parts = fake_twilio.received(RESIDENT)
    assert len(parts) == 2
    assert all(len(p) <= 3 * 153 and p.endswith(".") for p in parts)  # at most 3 segments, whole sentences
    assert " ".join(p.replace("\n", " ") for p in parts) == " ".join(sentences)
    recorded = [m.segments for m in app.outbound("sms")]
    assert recorded == [math.ceil(len(p) / 153) for p in parts]
