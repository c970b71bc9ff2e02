"""The local web chat: a page that behaves like an SMS phone, through the same gateway as SMS.

It lets anyone try the service with no Twilio or Telegram account. Messages are rendered as
SMS would render them (GSM-7 text, numbered options), and replies leave through the outbox.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bot.channels.base import Capabilities, ChannelDefinition, ChannelSender
from bot.config import Settings
from bot.models import ChannelAddress, OutboundMessage
from bot.statuses import Channel, OutboundStatus
from bot.text.sms_text import count_segments

COOKIE = "webchat_id"
PAGE = (Path(__file__).resolve().parent.parent / "static" / "webchat.html").read_text()
router = APIRouter()


class WebchatSender(ChannelSender):
    """Web chat 'delivery' is the page fetching the message: the outbox settles web chat messages
    itself (`read_from_outbox`), so this sender is never asked to send; it is here because every
    channel has one."""

    channel = Channel.WEBCHAT

    def __init__(self, settings: Settings | None = None) -> None:
        """Needs nothing from the settings; takes them to be built like every other sender."""

    async def send(self, message: OutboundMessage, address: ChannelAddress) -> str | None:
        raise NotImplementedError("web chat messages are settled by the outbox, not sent")


class SendBody(BaseModel):
    text: str = Field(min_length=1, max_length=1600)
    client_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


def _chat_id(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value and 16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum() else None


def _message_key(chat_id: str, client_id: str) -> str:
    """The provider id a web chat message is stored under: the page's own message id *within its
    chat*. Keyed on the client id alone, a second browser reusing an id would be taken for a retry
    of someone else's message and shown their replies."""
    return hashlib.sha256(f"{chat_id}\x1f{client_id}".encode()).hexdigest()


@router.get("/chat", response_class=HTMLResponse)
async def chat_page(request: Request) -> Response:
    response = HTMLResponse(PAGE)
    if _chat_id(request) is None:
        response.set_cookie(COOKIE, secrets.token_urlsafe(18), httponly=True, samesite="strict",
                            max_age=60 * 60 * 24 * 30, secure=request.app.state.settings.secure_cookies)
    return response


@router.post("/chat/api/messages")
async def send_message(body: SendBody, request: Request) -> dict[str, Any]:
    if request.headers.get("x-webchat") != "1":  # a cross-site form cannot set this header
        raise HTTPException(403, "missing X-Webchat header")
    chat_id = _chat_id(request)
    if chat_id is None:
        raise HTTPException(400, "no web chat session: open /chat first")
    gateway = request.app.state.gateway
    accepted = gateway.accept(Channel.WEBCHAT, chat_id, _message_key(chat_id, body.client_id), text=body.text)
    if not accepted.duplicate:
        gateway.schedule(accepted.address_id, prechecked=accepted.checked)
    # Answered, or told "one moment" (a turn Rasa works on for HOLDING_REPLY_SECONDS gets the
    # holding reply); a message still waiting after that shows nothing yet, and the page picks up
    # what comes later when it polls.
    settings = request.app.state.settings
    await gateway.wait_settled(accepted.inbound_id, timeout=min(settings.rasa_timeout_seconds, settings.holding_reply_seconds) + 5)
    with request.app.state.sessions() as session:  # one session for both reads: this is every turn
        replies = _messages(session, accepted.address_id, after=0, reply_to=accepted.inbound_id)
        latest = _latest(session, accepted.address_id)
    await gateway.synced()  # what the page shows is on disk first (an urgent flag raised with it, too)
    return {"duplicate": accepted.duplicate, "messages": replies, "latest": latest}


@router.get("/chat/api/messages")
async def poll_messages(request: Request, after: int = 0) -> dict[str, Any]:
    chat_id = _chat_id(request)
    if chat_id is None:
        return {"messages": []}
    with request.app.state.sessions() as session:
        address_id = session.scalar(
            select(ChannelAddress.id).where(ChannelAddress.channel == Channel.WEBCHAT, ChannelAddress.address == chat_id)
        )
        if not address_id:
            return {"messages": [], "latest": 0}
        # "latest" lets the page notice that numbering started again ("forget me" deletes the old
        # messages), so it asks from the start instead of waiting for numbers it has already passed.
        return {"messages": _messages(session, address_id, after=after), "latest": _latest(session, address_id)}


# Built once: every turn and every poll asks them (building a statement cost more than running it).
_SHOWN = select(OutboundMessage).where(
    OutboundMessage.address_id == bindparam("address_id"),
    OutboundMessage.status.in_((OutboundStatus.QUEUED, OutboundStatus.DELIVERED)),
)
_IN_REPLY_TO = _SHOWN.where(OutboundMessage.in_reply_to == bindparam("reply_to")).order_by(OutboundMessage.sequence)
_AFTER = _SHOWN.where(OutboundMessage.sequence > bindparam("after")).order_by(OutboundMessage.sequence)
_LATEST = select(func.max(OutboundMessage.sequence)).where(OutboundMessage.address_id == bindparam("address_id"))


def _latest(session: Session, address_id: str) -> int:
    """The highest message number for this chat now (0 when there are none)."""
    return int(session.scalar(_LATEST, {"address_id": address_id}) or 0)


def _messages(session: Session, address_id: str, *, after: int, reply_to: str | None = None) -> list[dict[str, Any]]:
    if reply_to is not None:
        rows = session.scalars(_IN_REPLY_TO, {"address_id": address_id, "reply_to": reply_to})
    else:
        rows = session.scalars(_AFTER, {"address_id": address_id, "after": after})
    return [
        {"id": m.id, "seq": m.sequence, "text": m.body, "kind": m.kind, "options": m.options or [],
         "segments": m.segments}
        for m in rows
    ]


# Behaves like an SMS phone: numbered options, segments counted (the page shows them); the page
# fetching the message is its delivery, so a send is stored as delivered. Always on.
CHANNEL = ChannelDefinition(
    name=Channel.WEBCHAT, router=router, make_sender=WebchatSender, label="Web chat",
    capabilities=Capabilities(
        numbered_options=True, count_segments=count_segments, delivered_on_send=True, safety_after_opt_out=True,
        read_from_outbox=True,
    ),
)
