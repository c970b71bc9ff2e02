"""What the gateway and the actions say to each other through Rasa, and nothing else.

The gateway and the action server are separate processes that only meet through Rasa's REST
channel: the gateway sends metadata with each message, and actions answer with custom payloads
(`dispatcher.utter_message(json_message=...)`) that the gateway reads and strips before anything
reaches a person. Both sides import these names from here, so neither imports the other.

Signals exist because some things an action notices must be done by the gateway, in the same
transaction as the turn's replies and with the gateway's own rules: opting out (so the
confirmation is a system message the outbox lets through), the crisis response (so it is the
same response, with the same texts and flag, as the gateway's own check), and forgetting the
dialogue engine's record of a conversation (which can only happen after Rasa has saved the turn).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.statuses import StoredValue

# -- metadata the gateway sends with each message ---------------------------------------------------
CHANNEL_KEY = "channel"  # the channel the person wrote on (a registered channel's name)
NO_CHANNEL = "unknown"  # only when no gateway sent the message (rasa shell, a hand-made request)
# The stored message's id: Rasa keeps it in the turn's user event, so the gateway can tell whether a
# turn whose answer was lost was taken (bot/dialogue/tracker_store.taken_turn) before sending it again.
MESSAGE_KEY = "inbound_id"
# Set when the gateway has already answered this message for safety (a worrying message that goes on
# to the dialogue): the dialogue then says nothing rather than "Sorry, I did not get that" after it.
SAFETY_KEY = "answered_for_safety"

# -- custom payloads actions send back --------------------------------------------------------------
TIMING_KEY = "_timing"  # {"action": name, "ms": run time}: one log line can split the time spent
SIGNAL_KEY = "_signal"  # {"name": Signal, ...}: something the gateway must do for this turn


class Signal(StoredValue):
    OPT_OUT = "opt_out"  # the person asked, in words, to stop getting messages
    CRISIS = "crisis"  # the dialogue understood a crisis the gateway's own check did not catch
    FORGET_CONVERSATIONS = "forget_conversations"  # erasure: "conversation_ids" to delete from Rasa


def metadata(channel: str, message_id: str | None = None, *, answered_for_safety: bool = False) -> dict[str, Any]:
    """The metadata the gateway sends with a message."""
    found: dict[str, Any] = {CHANNEL_KEY: channel}
    if message_id is not None:
        found[MESSAGE_KEY] = message_id
    if answered_for_safety:
        found[SAFETY_KEY] = True
    return found


def was_answered_for_safety(metadata: dict[str, Any] | None) -> bool:
    """Did the gateway already send the safety texts for this message?"""
    return (metadata or {}).get(SAFETY_KEY) is True


def message_key_of(metadata: dict[str, Any] | None) -> str | None:
    """The stored message a user event came from, if the gateway sent it."""
    value = (metadata or {}).get(MESSAGE_KEY)
    return str(value) if value else None


def channel_from(metadata: dict[str, Any] | None) -> str:
    """The channel an action is answering on (recorded with consent and erasure requests)."""
    return str((metadata or {}).get(CHANNEL_KEY) or NO_CHANNEL)


def timing_payload(action: str, ms: float) -> dict[str, Any]:
    return {TIMING_KEY: {"action": action, "ms": round(ms, 2)}}


def signal_payload(signal: Signal, **data: Any) -> dict[str, Any]:
    """The custom payload an action sends to ask the gateway to act (`json_message=`)."""
    return {SIGNAL_KEY: {"name": str(signal), **data}}


@dataclass
class ReadReply:
    """A turn's Rasa messages, split into what goes to the person and what is for the gateway."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    timings: list[dict[str, Any]] = field(default_factory=list)
    signals: list[dict[str, Any]] = field(default_factory=list)

    def has(self, signal: Signal) -> bool:
        return any(s.get("name") == signal for s in self.signals)

    def conversations_to_forget(self) -> list[str]:
        found: list[str] = []
        for s in self.signals:
            if s.get("name") == Signal.FORGET_CONVERSATIONS:
                found.extend(str(c) for c in s.get("conversation_ids") or [])
        return found


def read_reply(raw: Iterable[Any]) -> ReadReply:
    """Strip the contract's custom payloads out of Rasa's messages."""
    read = ReadReply()
    for item in raw or []:
        custom = item.get("custom") if isinstance(item, dict) else None
        if isinstance(custom, dict) and isinstance(custom.get(TIMING_KEY), dict):
            read.timings.append(custom[TIMING_KEY])
        elif isinstance(custom, dict) and isinstance(custom.get(SIGNAL_KEY), dict):
            read.signals.append(custom[SIGNAL_KEY])
        else:
            read.messages.append(item)
    return read
