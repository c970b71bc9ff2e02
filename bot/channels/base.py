"""What every channel provides, so the gateway and the outbox never need to know which one it is.

A channel module (SMS, Telegram, web chat, ...) defines one `ChannelDefinition`: its webhook
routes, how to build its sender from the settings, whether the settings turn it on, and its
capabilities (how options are shown, whether SMS segments are counted, whether a send is already
a delivery). `bot/channels/registry.py` lists the definitions; the app, the gateway and the
outbox look channels up there by the name stored on each address and message.
The recipe for adding a channel is in docs/channels.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.models import ChannelAddress, OutboundMessage
from bot.text.sms_text import SegmentCount


class TransientSendError(RuntimeError):
    """Worth trying again later (network error, provider 5xx, rate limit).

    A `retry_after` attribute (seconds), if set, is the shortest wait before the next try.
    """


class PermanentSendError(RuntimeError):
    """Will never succeed (invalid number, blocked chat): marked failed at once."""


class UnconfirmedSendError(TransientSendError):
    """The request reached the provider but its answer did not come back (a timeout or a reset
    after sending): it may have been accepted. Retried, but only after `find_sent` has looked."""


class ChannelSender(ABC):
    """Sends outbox messages on one channel. The outbox makes one call per message.

    Raise `TransientSendError` to be retried with backoff, `PermanentSendError` to give up;
    any other exception is treated as transient, so a crash never loses a reply.
    """

    channel: str  # the channel's stored name, as on `ChannelAddress.channel`

    @abstractmethod
    async def send(self, message: OutboundMessage, address: ChannelAddress) -> str | None:
        """Deliver one message; return the provider's id for it (None if the channel has none)."""

    async def find_sent(self, message: OutboundMessage, address: ChannelAddress, since: datetime) -> list[str]:
        """Provider ids of messages like this one the provider accepted since `since`, newest first.

        Asked before a message is sent again after an attempt whose outcome is unknown, so a reply
        the provider already has is not sent twice. The default cannot tell, so it says none.
        """
        return []

    def after_sent(self, session: Session, message: OutboundMessage) -> None:  # noqa: B027 - optional hook, no-op by default
        """Called once the provider's id is saved (the outbox commits afterwards).

        SMS uses it to link status callbacks that arrived before the id was known. Most channels
        have nothing to do.
        """

    async def aclose(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Release the sender's connections when the app stops."""


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show and report, in the terms the gateway and outbox need."""

    # True: plain GSM-7 text with options as numbered lines ("1 Yes"), split into SMS-sized parts,
    # and a reply of "2" picks option 2. False: the text as written, options sent as buttons.
    numbered_options: bool = False
    # How to count a message's SMS segments (stored on the message for cost and length checks);
    # None: not counted, the channel does not bill by segment.
    count_segments: Callable[[str], SegmentCount] | None = None
    # True: a successful send is already delivery (no receipts will follow), stored as delivered.
    delivered_on_send: bool = False
    # True: nothing goes over a network; the recipient reads queued messages from the outbox
    # itself (the web chat page). "Sending" only settles them (delivered, or suppressed by the
    # opt-out rule), so the outbox settles them without a lease or a claim per message: a turn's
    # reply in the transaction that queued it, anything else in a batch (bot/gateway/outbox.py).
    # The channel's sender is never asked to send.
    read_from_outbox: bool = False
    # True: someone who opted out and then writes in danger may still get the safety reply (they
    # are looking at the chat). False for SMS: carrier rules forbid texting a number after STOP.
    safety_after_opt_out: bool = False


def always(settings: Settings) -> bool:
    """For channels that need no account or keys: always on."""
    return True


@dataclass(frozen=True)
class ChannelDefinition:
    """One channel, as the registry knows it."""

    name: str  # stored on addresses and messages: a `bot.statuses.Channel` value
    router: APIRouter  # its webhook routes, included in the app whether or not it is enabled
    make_sender: Callable[[Settings], ChannelSender]  # called only when `enabled(settings)`
    capabilities: Capabilities
    # Whether the settings turn it on. When off, no sender is built (its queued messages fail
    # with "no sender configured"), and its webhooks should answer 404.
    enabled: Callable[[Settings], bool] = always
    # What the console calls it ("Text message"); empty: its stored name.
    label: str = ""
    # For subject access and erasure requests: the stored addresses that what an operator typed
    # (a phone number as people say it, a chat id) could be on this channel. None: nobody can be
    # looked up by it (web chat sessions are random and known to no one).
    addresses_for: Callable[[str], list[str]] | None = None
