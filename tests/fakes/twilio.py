"""A fake Twilio: the Messages API the real `twilio` client calls, and the phone on the other end.

It records what each phone would receive, can be told to fail the next requests (a 500, a
429, error 21211..., or every send to one number until told otherwise) or to accept a message
and then not answer in time (the answer lost after Twilio took it), lists sent messages as
Twilio's Messages list does, and sends signed status callbacks the way Twilio does, to the public
URL, through a "proxy" mapping onto the app's real address. It also texts the app in, to one app
address or spread over several.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
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
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


class FakeTwilio:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self._lock = threading.Lock()
        self._arrivals: dict[str, threading.Condition] = {}  # per phone, on _lock: wait_received
        self.app = FastAPI()
        self.app.post("/2010-04-01/Accounts/{account}/Messages.json")(self._create_message)
        self.app.get("/2010-04-01/Accounts/{account}/Messages.json")(self._list_messages)
        self.app.get("/media/{name}")(self._media)
        self.server = ThreadedServer(self.app)
        self.url = self.server.url
        # One client for every text in (from any thread): a new client per text costs a TLS context,
        # and hundreds of phones text at once. Generous timeout: a loaded CI machine.
        self._poster = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=500, max_keepalive_connections=100))
        self.reset()

    # -- test controls ----------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.sent: list[Sms] = []
            self._by_number: dict[str, list[Sms]] = {}  # the same, per phone: hundreds of phones poll it
            self.requests = 0
            self.list_requests = 0
            self._stalls: list[tuple[float, bool]] = []  # (answer only after this long, keep the message)
            self.media_fetches = 0  # the app has no reason to download a resident's picture
            self._failures: list[tuple[int, int]] = []
            self._failing_to: dict[str, tuple[int, int]] = {}  # number -> (status, code), until cleared
            self.outcomes: dict[str, str] = {}  # number -> "undelivered" (default: delivered)
            self.callback_delay = 0.2
            # The statuses each message reports, in the order they are posted (None: "sent" then
            # the number's outcome). Twilio's callbacks are separate requests and can overtake each
            # other, so tests can post them in any order...
            self.callback_statuses: list[str] | None = None
            # ...and even before Twilio's answer to the send (with the sid) reaches the app.
            self.callbacks_before_response = False
            self.error_codes: dict[str, str] = {"undelivered": "30003"}  # status -> ErrorCode sent with it
            self.public_url = ""  # what the app is known as
            self.app_url = ""  # where the "proxy" forwards to
            self.app_urls: list[str] = []  # several app processes: texts in go to each in turn
            self._next_app = itertools.count()

    def fail_next(self, status: int, code: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([(status, code)] * times)

    def fail_to(self, number: str, status: int = 500, code: int = 20500) -> None:
        """Every send to this number fails (a provider outage for it) until `deliver_to` is called."""
        with self._lock:
            self._failing_to[number] = (status, code)

    def deliver_to(self, number: str) -> None:
        with self._lock:
            self._failing_to.pop(number, None)

    def accept_then_stall(self, seconds: float, times: int = 1, *, after: int = 0) -> None:
        """The next sends (after `after` answered normally) are taken (the phone gets them) but
        answered only after `seconds`: longer than the client waits, it looks like a timeout after
        Twilio accepted."""
        with self._lock:
            self._stalls.extend([(0.0, True)] * after + [(seconds, True)] * times)

    def stall_without_accepting(self, seconds: float, times: int = 1) -> None:
        """The next sends time out the same way, but Twilio did nothing with them."""
        with self._lock:
            self._stalls.extend([(seconds, False)] * times)

    def received(self, number: str) -> list[str]:
        """The texts that phone has received, in order."""
        with self._lock:
            return [s.body for s in self._by_number.get(number, ())]

    def wait_received(self, number: str, count: int, timeout: float) -> bool:
        """Block until that phone has received `count` texts (True), or `timeout` seconds pass.

        Woken by the send itself, so a benchmark measures the app and not how often it polls.
        """
        with self._lock:
            arrived = self._arrivals.setdefault(number, threading.Condition(self._lock))
            return arrived.wait_for(lambda: len(self._by_number.get(number, ())) >= count, timeout)

    def sign(self, url: str, params: dict[str, str]) -> str:
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def post_signed(self, path: str, params: dict[str, str], *, signature: str | None = None) -> httpx.Response:
        """POST as Twilio would: signed for the public URL, delivered to the app's real address."""
        sig = self.sign(self.public_url + path, params) if signature is None else signature
        headers = {"X-Twilio-Signature": sig} if sig else {}
        targets = self._targets()
        for n, target in enumerate(targets):
            try:
                return self._poster.post(target + path, data=params, headers=headers)
            except httpx.TransportError:
                # An app process is gone: the proxy in front of several sends the same request
                # (the same MessageSid, so the app stores it once) to the next one.
                if n == len(targets) - 1:
                    raise
        raise AssertionError("no app address set")

    def _targets(self) -> list[str]:
        """The app addresses to try, in order: each request starts at the next one (round robin)."""
        with self._lock:
            if not self.app_urls:
                return [self.app_url]
            first = next(self._next_app) % len(self.app_urls)
            return self.app_urls[first:] + self.app_urls[:first]

    def text_in(self, number: str, body: str, *, sid: str | None = None, num_media: int = 0,
                signature: str | None = None) -> httpx.Response:
        """A resident texting our number."""
        params = {
            "MessageSid": sid or f"SM{uuid.uuid4().hex}", "AccountSid": self.account_sid, "From": number,
            "To": "+447700900000", "Body": body, "NumMedia": str(num_media),
        }
        for i in range(num_media):
            params[f"MediaUrl{i}"] = f"{self.url}/media/{i}.jpg"
            params[f"MediaContentType{i}"] = "image/jpeg"
        return self.post_signed("/sms/inbound", params, signature=signature)

    # -- the API --------------------------------------------------------------------------------
    async def _media(self, name: str) -> Response:
        with self._lock:
            self.media_fetches += 1
        return Response(b"\xff\xd8\xff\xd9", media_type="image/jpeg")

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
            if str(form["To"]) in self._failing_to:
                status, code = self._failing_to[str(form["To"])]
                return _error(status, code, f"fake failure {code}")
            stall, keep = self._stalls.pop(0) if self._stalls else (0.0, True)
            if not keep:
                dropped = True
            else:
                dropped = False
                sms = Sms(f"SM{uuid.uuid4().hex}", str(form["To"]), str(form["From"]), str(form["Body"]),
                          str(form.get("StatusCallback") or "") or None)
                self.sent.append(sms)
                self._by_number.setdefault(sms.to, []).append(sms)
                if sms.to in self._arrivals:
                    self._arrivals[sms.to].notify_all()
                statuses = list(self.callback_statuses or ("sent", self.outcomes.get(sms.to, "delivered")))
                early = self.callbacks_before_response
        if dropped:
            await asyncio.sleep(stall)
            return _error(500, 20500, "fake: never answered in time")
        if sms.status_callback:
            if early:  # each callback answered by the app before the send's own answer goes back
                await self._callbacks(sms, statuses, delay=0.0)
            else:
                asyncio.get_running_loop().create_task(self._callbacks(sms, statuses, delay=self.callback_delay))
        if stall:
            await asyncio.sleep(stall)  # the client has given up by now: its answer is lost
        return JSONResponse(_instance(sms, account), status_code=201)

    async def _list_messages(self, account: str, request: Request) -> JSONResponse:
        """Twilio's Messages list: filtered by To and From, newest first, one page."""
        auth = request.headers.get("authorization", "")
        if account != self.account_sid or auth != _basic(self.account_sid, self.auth_token):
            return _error(401, 20003, "Authenticate")
        to, from_ = request.query_params.get("To"), request.query_params.get("From")
        size = int(request.query_params.get("PageSize") or 50)
        with self._lock:
            self.list_requests += 1
            found = [s for s in reversed(self._by_number.get(to, []) if to is not None else self.sent)
                     if from_ is None or s.from_ == from_]
        uri = f"/2010-04-01/Accounts/{account}/Messages.json"
        return JSONResponse({
            "messages": [_instance(s, account) for s in found[:size]], "end": min(size, len(found)) - 1,
            "first_page_uri": uri, "next_page_uri": None, "page": 0, "page_size": size, "previous_page_uri": None,
            "start": 0, "uri": uri,
        })

    def _callback_client(self) -> httpx.AsyncClient:
        client = getattr(self, "_client", None)
        if client is None:
            client = self._client = httpx.AsyncClient(timeout=10)
        return client

    async def _callbacks(self, sms: Sms, statuses: list[str], delay: float) -> None:
        """Post each status in turn, a moment apart, as a carrier reports it."""
        target = sms.status_callback or ""
        client = self._callback_client()  # one for every callback: a new one per message costs a TLS context
        for status in statuses:
            await asyncio.sleep(delay)
            params = {"MessageSid": sms.sid, "MessageStatus": status, "AccountSid": self.account_sid,
                      "To": sms.to, "From": sms.from_}
            if status in self.error_codes:
                params["ErrorCode"] = self.error_codes[status]
            headers = {"X-Twilio-Signature": self.sign(target, params)}
            for app_url in self._targets():  # through the "proxy", to whichever app is up
                url = target.replace(self.public_url, app_url, 1) if self.public_url else target
                try:
                    await client.post(url, data=params, headers=headers)
                    break
                except httpx.HTTPError:
                    continue
            else:
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
        "date_created": format_datetime(sms.created), "date_updated": format_datetime(sms.created),
        "date_sent": None, "messaging_service_sid": None,
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sms.sid}.json", "subresource_uris": {},
    }
