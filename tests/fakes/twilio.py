"""A fake Twilio: the Messages API the real `twilio` client calls, and the phone on the other end.

It records what each phone would receive, can be told to fail the next requests (a 500, a
429, error 21211...), and sends signed status callbacks the way Twilio does, to the public
URL, through a "proxy" mapping onto the app's real address. It also texts the app in.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from twilio.request_validator import RequestValidator

from tests.fakes.server import ThreadedServer


@dataclass
class Sms:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    at: float = field(default_factory=time.monotonic)


class FakeTwilio:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self._lock = threading.Lock()
        self.app = FastAPI()
        self.app.post("/2010-04-01/Accounts/{account}/Messages.json")(self._create_message)
        self.server = ThreadedServer(self.app)
        self.url = self.server.url
        self.reset()

    # -- test controls ----------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.sent: list[Sms] = []
            self.requests = 0
            self._failures: list[tuple[int, int]] = []
            self.outcomes: dict[str, str] = {}  # number -> "undelivered" (default: delivered)
            self.callback_delay = 0.2
            self.public_url = ""  # what the app is known as
            self.app_url = ""  # where the "proxy" forwards to

    def fail_next(self, status: int, code: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([(status, code)] * times)

    def received(self, number: str) -> list[str]:
        """The texts that phone has received, in order."""
        with self._lock:
            return [s.body for s in self.sent if s.to == number]

    def sign(self, url: str, params: dict[str, str]) -> str:
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def post_signed(self, path: str, params: dict[str, str], *, signature: str | None = None) -> httpx.Response:
        """POST as Twilio would: signed for the public URL, delivered to the app's real address."""
        sig = self.sign(self.public_url + path, params) if signature is None else signature
        headers = {"X-Twilio-Signature": sig} if sig else {}
        return httpx.post(self.app_url + path, data=params, headers=headers, timeout=10)

    def text_in(self, number: str, body: str, *, sid: str | None = None, num_media: int = 0,
                signature: str | None = None) -> httpx.Response:
        """A resident texting our number."""
        params = {
            "MessageSid": sid or f"SM{uuid.uuid4().hex}", "AccountSid": self.account_sid, "From": number,
            "To": "+447700900000", "Body": body, "NumMedia": str(num_media),
        }
        if num_media:
            params["MediaUrl0"] = f"{self.url}/media/1.jpg"
            params["MediaContentType0"] = "image/jpeg"
        return self.post_signed("/sms/inbound", params, signature=signature)

    # -- the API --------------------------------------------------------------------------------
    async def _create_message(self, account: str, request: Request) -> JSONResponse:
        form = await request.form()
        auth = request.headers.get("authorization", "")
        with self._lock:
            self.requests += 1
            if account != self.account_sid or auth != _basic(self.account_sid, self.auth_token):
                return _error(401, 20003, "Authenticate")
            if self._failures:
                status, code = self._failures.pop(0)
                return _error(status, code, f"fake failure {code}")
            sms = Sms(f"SM{uuid.uuid4().hex}", str(form["To"]), str(form["From"]), str(form["Body"]),
                      str(form.get("StatusCallback") or "") or None)
            self.sent.append(sms)
            outcome = self.outcomes.get(sms.to, "delivered")
        if sms.status_callback:
            asyncio.get_running_loop().create_task(self._callbacks(sms, outcome))
        return JSONResponse(_instance(sms, account), status_code=201)

    async def _callbacks(self, sms: Sms, outcome: str) -> None:
        """'sent' then the final status, a moment later, as a carrier reports it."""
        target = sms.status_callback or ""
        url = target.replace(self.public_url, self.app_url, 1) if self.public_url else target
        async with httpx.AsyncClient(timeout=10) as client:
            for status in ("sent", outcome):
                await asyncio.sleep(self.callback_delay)
                params = {"MessageSid": sms.sid, "MessageStatus": status, "AccountSid": self.account_sid,
                          "To": sms.to, "From": sms.from_}
                if status == "undelivered":
                    params["ErrorCode"] = "30003"
                try:
                    await client.post(url, data=params, headers={"X-Twilio-Signature": self.sign(target, params)})
                except httpx.HTTPError:
                    return  # the app has gone away (end of a test)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
        status_code=status,
    )


def _instance(sms: Sms, account: str) -> dict[str, Any]:
    return {
        "sid": sms.sid, "account_sid": account, "to": sms.to, "from": sms.from_, "body": sms.body,
        "status": "queued", "num_segments": "1", "num_media": "0", "direction": "outbound-api",
        "api_version": "2010-04-01", "price": None, "price_unit": "GBP", "error_code": None, "error_message": None,
        "date_created": "Mon, 01 Jan 2024 00:00:00 +0000", "date_updated": "Mon, 01 Jan 2024 00:00:00 +0000",
        "date_sent": None, "messaging_service_sid": None,
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sms.sid}.json", "subresource_uris": {},
    }
