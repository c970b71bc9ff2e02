"""The list of channels. Adding a channel is one new module and one `register(...)` line below.

The app builds senders and includes webhook routes from here; the gateway and the outbox ask
here for a channel's capabilities by the name stored on the address or message. Nothing outside
`bot/channels/` names a channel.
"""

from __future__ import annotations

from bot.channels import sms, telegram, webchat
from bot.channels.base import Capabilities, ChannelDefinition, ChannelSender
from bot.config import Settings

_CHANNELS: dict[str, ChannelDefinition] = {}


def register(definition: ChannelDefinition) -> None:
    """Make a channel known. A name can be registered once (two modules claiming one is a bug)."""
    if definition.name in _CHANNELS:
        raise ValueError(f"channel {definition.name!r} is already registered")
    _CHANNELS[definition.name] = definition


def unregister(name: str) -> None:
    """Forget a channel (for tests that register a toy one)."""
    _CHANNELS.pop(name, None)


def channels() -> list[ChannelDefinition]:
    """Every registered channel, in registration order."""
    return list(_CHANNELS.values())


def get(name: str) -> ChannelDefinition:
    try:
        return _CHANNELS[name]
    except KeyError:
        raise KeyError(f"no channel registered as {name!r}") from None


def capabilities(name: str) -> Capabilities:
    return get(name).capabilities


def build_senders(settings: Settings) -> dict[str, ChannelSender]:
    """A sender for each channel the settings turn on, keyed by channel name."""
    return {c.name: c.make_sender(settings) for c in channels() if c.enabled(settings)}


register(webchat.CHANNEL)
register(sms.CHANNEL)
register(telegram.CHANNEL)
