"""Turning the dialogue engine's messages into what each channel can show.

Channels with numbered options (their `Capabilities.numbered_options`, e.g. SMS) get plain
GSM-7 text with the options as numbered lines, split into SMS-sized parts; the others get the
text as written with the options attached, for the sender to show as buttons. The options
offered are remembered so that a reply of "2" (or a button press) maps back to what the
dialogue offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.channels import registry
from bot.text.sms_text import split_for_sms, to_gsm7

_NUMBER_REPLY = re.compile(r"^\s*(?:no\.?\s*|number\s*|option\s*)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


@dataclass
class Outgoing:
    body: str
    options: list[dict[str, Any]] = field(default_factory=list)  # [{"n": 1, "title": ..., "payload": ...}]


def render(messages: list[dict[str, Any]], channel: str) -> tuple[list[Outgoing], list[dict[str, Any]] | None]:
    """The texts to send, and the options now on offer (None when the last message offered none)."""
    numbered = registry.capabilities(channel).numbered_options
    out: list[Outgoing] = []
    offered: list[dict[str, Any]] | None = None
    for message in messages:
        text = (message.get("text") or "").strip()
        buttons = message.get("buttons") or []
        options: list[dict[str, Any]] = [
            {"n": i, "title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for i, b in enumerate(buttons, start=1)
        ]
        if not text and not options:
            continue
        offered = options or None
        if numbered:
            body = to_gsm7(text)
            if options:
                body += "\n" + "\n".join(f"{o['n']} {to_gsm7(o['title'])}" for o in options)
            for part in split_for_sms(body):
                out.append(Outgoing(part))
            if options and out:
                out[-1].options = options
        else:
            out.append(Outgoing(text, options))
    return out, offered


def map_option_reply(text: str | None, offered: list[dict[str, Any]] | None) -> str | None:
    """The payload for a reply like '2' when options were on offer, else None."""
    if not text or not offered:
        return None
    match = _NUMBER_REPLY.match(text)
    if not match:
        return None
    number = int(match.group(1))
    for option in offered:
        if option.get("n") == number:
            return str(option.get("payload") or option.get("title"))
    return None


def map_payload(payload: str | None, offered: list[dict[str, Any]] | None) -> str | None:
    """A button payload (Telegram callback, web chat click) is accepted only if it was offered."""
    if not payload or not offered:
        return None
    for option in offered:
        if option.get("payload") == payload:
            return payload
    return None
