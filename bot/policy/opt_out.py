"""Opting out and back in, and what may still be sent to an address that opted out.

Carriers (and Twilio) require that STOP stops everything except the confirmation. Opting out can
start in four places: the STOP word in the gateway, the same wish in words (the dialogue's
`opt_out` intent, through the gateway), Telegram saying the person blocked the bot, and Twilio
saying the number unsubscribed. All of them set the flags here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import object_session

from bot.models import ChannelAddress, utcnow
from bot.statuses import CancelReason, MessageKind

OPTED_OUT = "You will not get any more messages from us. Text START if you want to use this service again."
OPTED_IN = "Welcome back. You can text us again now. Text HELP to find out what we do."

# Sent whatever the address said: the confirmation of the opt-out itself (and of opting back in).
ALWAYS_SENT = frozenset({MessageKind.SYSTEM})

Send = Callable[[str, MessageKind], object]


def may_send(address: ChannelAddress, kind: str) -> bool:
    """May a message of this kind go to this address now? After an opt-out: only the confirmation,
    and a safety reply where the channel allows it (its `safety_after_opt_out` capability)."""
    if not address.opted_out or kind in ALWAYS_SENT:
        return True
    if kind != MessageKind.SAFETY:
        return False
    from bot.channels import registry  # here: the channel modules themselves use this module

    return registry.capabilities(address.channel).safety_after_opt_out


def opt_out(address: ChannelAddress, now: datetime | None = None) -> bool:
    """Set the flags; True if the address was not opted out before."""
    if address.opted_out:
        return False
    address.opted_out, address.opted_out_at = True, now or utcnow()
    session = object_session(address)
    if session is not None:  # check-ins are cancelled at once, not when they fall due
        from bot.records.followups import cancel_check_ins

        cancel_check_ins(session, address.person_id, CancelReason.OPT_OUT)
    return True


def opt_in(address: ChannelAddress) -> bool:
    """Clear the flags; True if the address was opted out before."""
    if not address.opted_out:
        return False
    address.opted_out, address.opted_out_at = False, None
    return True


def opt_out_and_confirm(address: ChannelAddress, send: Send, now: datetime | None = None) -> bool:
    """STOP, typed or said in words: confirmed once (a second STOP is not answered again)."""
    changed = opt_out(address, now)
    if changed:
        send(OPTED_OUT, MessageKind.SYSTEM)
    return changed


def opt_in_and_confirm(address: ChannelAddress, send: Send) -> bool:
    """START: always confirmed, so a person who was never opted out still hears it worked."""
    changed = opt_in(address)
    send(OPTED_IN, MessageKind.SYSTEM)
    return changed


def wrote_after_opting_out(address: ChannelAddress, received_at: datetime) -> bool:
    """A message written after the opt-out is not answered; one written before it still reaches the
    dialogue (its replies are then suppressed by the outbox)."""
    if not address.opted_out:
        return False
    if address.opted_out_at is None:
        return True
    return _aware(received_at) >= _aware(address.opted_out_at)


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
