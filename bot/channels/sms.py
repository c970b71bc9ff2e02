"""SMS through Twilio: the inbound webhook, delivery-status callbacks, and the sender.

Every webhook is checked against Twilio's signature before anything is stored, using the
public URL (the app usually sits behind a proxy, so the URL it sees is not the one Twilio
signed). Replies never go back in the webhook's TwiML: they leave through the outbox, which
retries, keeps order and respects opt-outs.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from twilio.base.exceptions import TwilioRestException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels import sms_status
from bot.channels.base import (
    Capabilities,
    ChannelDefinition,
    ChannelSender,
    PermanentSendError,
    TransientSendError,
    UnconfirmedSendError,
)
from bot.channels.sms_status import UNSUBSCRIBED
from bot.config import Settings
from bot.logging_setup import log_event
from bot.models import ChannelAddress, OutboundMessage
from bot.policy.opt_out import opt_out
from bot.statuses import Channel
from bot.text.sms_text import count_segments

router = APIRouter()

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
STATUS_PATH = "/sms/status"

_TRANSIENT_CODES = frozenset({20003, 20429, 20500, 20503})  # auth misconfigured, rate limit, Twilio faults
# Failures before the request left: nothing can have reached Twilio. Any other network error
# (a read timeout, a reset, a cut-off answer) may come after Twilio took the message.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
LOOKUP_LIMIT = 20  # recent messages to one number looked through for a lost answer


# -- webhooks -------------------------------------------------------------------------------------
async def _signed_form(request: Request) -> FormData:
    """The POSTed form, only if Twilio signed it for our public URL; 403 otherwise.

    The body is read as bytes (the app's size limit applies) and split into its url-encoded
    fields, the one parse the signature itself needs; nothing else (multipart, files) is parsed
    before the signature is known to be Twilio's.
    """
    settings: Settings = request.app.state.settings
    if not settings.twilio_enabled:
        raise HTTPException(404)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        log_event("sms_webhook_rejected", level=logging.WARNING, path=request.url.path)
        raise HTTPException(403, "invalid Twilio signature")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise HTTPException(415, "Twilio webhooks are application/x-www-form-urlencoded")
    raw = await request.body()
    try:
        pairs: list[tuple[str, str | UploadFile]] = list(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=200))
        form = FormData(pairs)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "not a url-encoded form") from None
    url = settings.public_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not RequestValidator(settings.twilio_auth_token).validate(url, form, signature):
        log_event("sms_webhook_rejected", level=logging.WARNING, path=request.url.path)
        raise HTTPException(403, "invalid Twilio signature")
    return form


@router.post("/sms/inbound")
async def inbound(request: Request) -> Response:
    form = await _signed_form(request)
    sender, sid = str(form.get("From") or ""), str(form.get("MessageSid") or form.get("SmsSid") or "")
    if not sender or not sid:
        raise HTTPException(400, "From and MessageSid are required")
    try:
        media = int(str(form.get("NumMedia") or "0"))
    except ValueError:
        media = 0
    gateway = request.app.state.gateway
    # Stored (on disk) before Twilio hears back: after a 200 it never sends this message again.
    accepted = await gateway.receive(Channel.SMS, sender, sid, text=str(form.get("Body") or "") or None, has_media=media > 0)
    # Pictures are noted (has_media, and the count here) but never fetched: words are what we answer.
    log_event("sms_inbound", inbound_id=accepted.inbound_id, duplicate=accepted.duplicate, media=max(media, 0))
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post(STATUS_PATH)
async def status_callback(request: Request) -> Response:
    form = await _signed_form(request)
    sid = str(form.get("MessageSid") or form.get("SmsSid") or "")
    raw = str(form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not sid or not raw:
        raise HTTPException(400, "MessageSid and MessageStatus are required")
    code = str(form.get("ErrorCode") or "") or None
    outbound_id = sms_status.record_callback(request.app.state.gateway_sessions, sid, raw, code)
    await request.app.state.gateway.synced()  # kept on disk before Twilio is told so (it will not resend)
    log_event("sms_status", outbound_id=outbound_id, status=raw, error_code=code)
    return Response(status_code=204)


# -- sending --------------------------------------------------------------------------------------
class _HttpxTwilioClient(AsyncHttpClient):
    """Twilio's async transport on httpx, sending to `api_base` instead of *.twilio.com.

    The base URL override is what lets tests (and a staging proxy) stand in for Twilio while
    still using the real `twilio.rest.Client` to build and parse requests.
    """

    def __init__(self, api_base: str, timeout: float = 15.0) -> None:
        super().__init__(logger=logging.getLogger("twilio.http_client"), is_async=True, timeout=timeout)
        self._base = httpx.URL(api_base.rstrip("/"))
        self._client = httpx.AsyncClient(timeout=timeout)

    def _rebase(self, uri: str) -> httpx.URL:
        url = httpx.URL(uri)
        if self._base.host == "api.twilio.com" or not (url.host or "").endswith("twilio.com"):
            return url
        return url.copy_with(
            scheme=self._base.scheme, host=self._base.host, port=self._base.port,
            path=self._base.path.rstrip("/") + url.path,
        )

    async def request(
        self, method: str, uri: str, params: dict[str, object] | None = None, data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None, timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        response = await self._client.request(
            method.upper(), self._rebase(uri), params=params, data=data, headers=headers,  # type: ignore[arg-type]
            auth=auth, timeout=timeout or self.timeout, follow_redirects=allow_redirects,
        )
        return TwilioResponse(response.status_code, response.text, response.headers)

    async def aclose(self) -> None:
        await self._client.aclose()


class TwilioSender(ChannelSender):
    """Sends one outbox message as one SMS; sorts Twilio's errors into retry or give up."""

    channel = Channel.SMS

    def __init__(self, settings: Settings) -> None:
        self._http = _HttpxTwilioClient(settings.twilio_api_base, timeout=settings.twilio_timeout_seconds)
        self._client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=self._http)
        self._from = settings.twilio_from_number
        self._status_callback = settings.public_url + STATUS_PATH

    async def send(self, message: OutboundMessage, address: ChannelAddress) -> str | None:
        """One create call. Twilio's Messages API takes no idempotency key (docs/deployment.md), so
        when the request went out but no answer came back, Twilio is asked before any resend."""
        try:
            sent = await self._client.messages.create_async(
                to=address.address, from_=self._from, body=message.body or "", status_callback=self._status_callback,
            )
        except TwilioRestException as exc:
            raise _classify(exc, address) from None
        except _NOT_SENT as exc:  # the request never reached Twilio: safe to send again
            raise TransientSendError(f"network: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:  # sent, answer lost: Twilio may have it; the outbox looks first
            raise UnconfirmedSendError(f"network: {type(exc).__name__}") from None
        return sent.sid

    async def find_sent(self, message: OutboundMessage, address: ChannelAddress, since: datetime) -> list[str]:
        """Sids of messages from our number to this one with the same text, created since `since`,
        newest first (Twilio lists newest first; a message still queued has no date sent yet, so
        the creation date is what is compared)."""
        listed = await self._client.messages.list_async(to=address.address, from_=self._from, limit=LOOKUP_LIMIT)
        body = message.body or ""
        return [m.sid for m in listed if m.body == body and m.date_created is not None and m.date_created >= since]

    def after_sent(self, session: Session, message: OutboundMessage) -> None:
        """Called by the outbox once the sid is saved: status callbacks may have beaten it here."""
        sms_status.link_early_events(session, message)

    async def aclose(self) -> None:
        await self._http.aclose()


def _classify(exc: TwilioRestException, address: ChannelAddress) -> Exception:
    """A 4xx with a Twilio error code will fail the same way again; 429, 5xx and auth problems may not.

    The error carries only the status and code: Twilio's own message can quote the number.
    """
    code: Any = exc.code
    if exc.status == 429 or exc.status >= 500 or code in _TRANSIENT_CODES:
        return TransientSendError(f"twilio {exc.status} error {code}")
    if code == UNSUBSCRIBED:
        opt_out(address)  # committed by the outbox with the message's failed status
    return PermanentSendError(f"twilio {exc.status} error {code}")


def _enabled(settings: Settings) -> bool:
    return settings.twilio_enabled


_UK_NUMBER = re.compile(r"^(?:\+44|0044|44|0)([1-9]\d{8,9})$")


def uk_number_forms(raw: str) -> list[str]:
    """The ways a UK number may be stored, from how an operator typed it ("07700 900123", "+44 7700...").

    Twilio gives us E.164 (+447700900123), listed first; the other forms find rows stored otherwise.
    """
    compact = re.sub(r"[\s\-().]", "", raw.strip())
    found = [compact] if compact else []
    match = _UK_NUMBER.match(compact)
    if match:
        national = match.group(1)
        found = [f"+44{national}", f"44{national}", f"0{national}", *found]
    return list(dict.fromkeys(found))


# Numbered options in GSM-7 text; segments counted (Twilio bills per segment); delivery receipts
# arrive later as status callbacks.
CHANNEL = ChannelDefinition(
    name=Channel.SMS, router=router, make_sender=TwilioSender, enabled=_enabled,
    capabilities=Capabilities(numbered_options=True, count_segments=count_segments),
    label="Text message", addresses_for=uk_number_forms,
)
