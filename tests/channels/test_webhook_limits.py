"""Webhook bodies have a size limit, and Twilio's signature is checked before the body is parsed."""

from __future__ import annotations

import httpx
from starlette.requests import Request

from tests.channels.helpers import TELEGRAM_SECRET, RunningApp, wait_for
from tests.fakes.twilio import FakeTwilio

RESIDENT = "+447700900123"


def test_oversized_webhooks_are_refused_with_413_and_nothing_is_stored(app: RunningApp,
                                                                      fake_twilio: FakeTwilio) -> None:
    big = "x" * (app.settings.max_request_bytes + 1)
    sms = fake_twilio.text_in(RESIDENT, big)
    telegram = httpx.post(app.url + "/telegram/webhook", content=b'{"update_id": 1, "pad": "' + big.encode() + b'"}',
                          headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
                                   "content-type": "application/json"}, timeout=30)
    chat = httpx.post(app.url + "/chat/api/messages", content=big.encode(),
                      headers={"x-webchat": "1", "content-type": "application/json"}, timeout=30)

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(app.settings.max_request_bytes // 1000 + 2):
            yield b"y" * 1000

    streamed = httpx.post(app.url + "/sms/inbound", content=chunks(), timeout=30,
                          headers={"X-Telegram-Bot-Api-Secret-Token": "x", "X-Twilio-Signature": "c2ln",
                                   "content-type": "application/x-www-form-urlencoded"})
    assert [r.status_code for r in (sms, telegram, chat, streamed)] == [413, 413, 413, 413]
    assert app.inbound_count() == 0


def test_the_signature_is_checked_before_any_form_parsing(app: RunningApp, fake_twilio: FakeTwilio,
                                                           monkeypatch) -> None:
    real_form = Request.form

    def no_parsing(self, *args, **kwargs):  # Starlette's form parser (multipart, files) never runs on a webhook
        if self.url.path.startswith("/sms/"):
            raise AssertionError("request.form() was called")
        return real_form(self, *args, **kwargs)  # the fake Twilio's own API still reads forms

    monkeypatch.setattr(Request, "form", no_parsing)
    multipart = httpx.post(app.url + "/sms/inbound", files={"upload": ("a.bin", b"\0" * 5000)}, timeout=30)
    forged = fake_twilio.text_in(RESIDENT, "hi", signature="bm90IGEgcmVhbCBzaWduYXR1cmU=")
    signed_multipart = httpx.post(app.url + "/sms/inbound", files={"upload": ("a.bin", b"\0")}, timeout=30,
                                  headers={"X-Twilio-Signature": "c2ln"})
    assert [multipart.status_code, forged.status_code, signed_multipart.status_code] == [403, 403, 415]
    assert app.inbound_count() == 0
    good = fake_twilio.text_in(RESIDENT, "HELP")
    assert good.status_code == 200
    wait_for(lambda: fake_twilio.received(RESIDENT), what="the help reply")


def test_a_telegram_update_with_fields_of_the_wrong_type_is_a_400(app: RunningApp) -> None:
    """Found by the generated-input suite: a caption that is not text gave a 500."""
    update = {"update_id": 0, "message": {"message_id": 0, "date": 0, "chat": {"id": 0, "type": "private"},
                                          "text": None, "caption": True}}
    response = httpx.post(app.url + "/telegram/webhook", json=update, timeout=30,
                          headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert response.status_code in {200, 400}
    assert app.inbound_count() == 0
