"""Whether Rasa may still be working on a conversation's turn, read from its Redis lock store.

After a turn's outcome is unknown (the app timed out waiting, or the connection broke), Rasa may
still be taking it: a timed-out request runs on until Rasa notices the client has gone, and a
loaded Rasa can even finish it and save the turn. Looking in the tracker store at that moment would
find nothing, and sending the text again would make Rasa take it twice. While any Rasa server works
on a conversation it holds a ticket in the conversation's lock (Rasa's RedisLockStore, the same
Redis every server shares), so the gateway waits until no ticket is live before it looks and
resends. A server that died holding a ticket blocks the conversation until the ticket's lifetime
(Rasa's TICKET_LOCK_LIFETIME, 60 s) runs out, exactly as it would block Rasa's own next turn.

The key and value are Rasa 3.6's (rasa.core.lock_store.RedisLockStore, rasa.core.lock.TicketLock).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from bot.dialogue.endpoints import LOCK_KEY_PREFIX
from bot.logging_setup import log_event


def lock_key(conversation_id: str) -> str:
    return f"{LOCK_KEY_PREFIX}:lock:{conversation_id}"


def live_tickets(raw: bytes | str | None, now: float) -> int:
    """How many unexpired tickets a stored TicketLock holds."""
    if not raw:
        return 0
    try:
        tickets = [json.loads(t) for t in json.loads(raw).get("tickets", [])]
        return sum(1 for t in tickets if float(t.get("expires", 0)) > now)
    except (ValueError, TypeError, AttributeError):
        return 1  # not what we know: assume someone holds it


def turn_in_progress(lock_store_url: str) -> Callable[[str], bool]:
    """A check for the gateway: True while some Rasa server may be working on the conversation."""
    import redis

    client = redis.Redis.from_url(lock_store_url, socket_timeout=2.0, socket_connect_timeout=2.0)

    def check(conversation_id: str) -> bool:
        try:
            return live_tickets(client.get(lock_key(conversation_id)), time.time()) > 0
        except redis.RedisError:
            log_event("lock_store_unreadable", level=logging.WARNING)
            return True  # cannot tell: wait rather than risk Rasa taking the turn twice

    return check
