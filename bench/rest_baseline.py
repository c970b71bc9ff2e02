"""Rasa's own REST channel as the benchmarks' baseline, doing the same dialogue the gateway does.

A fair baseline asks Rasa and the actions for the same work the product path asks for. Two things
made the old baseline cheaper than the turns it was compared with, so the ratios overstated what
the gateway costs (measured 2026-12-01: from step 6 of `make bench`'s script on, the REST
conversation had taken another path and ran about half the actions):
- the actions find the resident by Rasa's sender id, and a REST sender had no person in the app's
  records, so "yes, keep my details" kept nothing and later turns took the shorter "not kept" path;
- a typed "1" was sent as a hand-written payload, not the one the previous reply offered.

Here each REST resident is a person in the app's records (made the way the gateway makes one for a
new number, never given an address that could be texted), and each text is turned into what
Rasa would get from the gateway: a number picks the option the previous reply offered (the
gateway's own `map_option_reply`), the metadata is the gateway's (bot/dialogue/contract.py).
`same_dialogue` lets a benchmark check that both paths said the same things.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from bot.db import session_scope
from bot.dialogue import contract
from bot.gateway.processor import as_plain_text
from bot.gateway.render import map_option_reply, render
from bot.records.people import get_or_create_address

BENCH_CHANNEL = "webchat"  # an address on this channel is a browser session id: nothing is ever sent to it


def new_resident(database_url: str) -> str:
    """A person in the app's records, as the gateway makes one; returns their Rasa sender id."""
    with session_scope(database_url) as session:
        address = get_or_create_address(session, BENCH_CHANNEL, f"bench-rest-{uuid.uuid4().hex}")
        session.commit()
        return address.person.conversation_id


class RestResident:
    """One resident talking to Rasa's REST channel the way the gateway would talk for them."""

    def __init__(self, rasa_url: str, database_url: str, timeout: float = 60.0) -> None:
        self.rasa_url = rasa_url
        self.sender = new_resident(database_url)
        self.timeout = timeout
        self._offered: list[dict[str, Any]] | None = None
        self.replies: list[list[str]] = []  # the texts of each turn's reply, for same_dialogue

    def send(self, client: httpx.Client, text: str) -> float:
        """One turn; returns the wait in milliseconds."""
        message = map_option_reply(text, self._offered) or as_plain_text(text)
        body = {"sender": self.sender, "message": message, "metadata": contract.metadata(BENCH_CHANNEL, uuid.uuid4().hex)}
        started = time.perf_counter()
        response = client.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=self.timeout)
        response.raise_for_status()
        elapsed = (time.perf_counter() - started) * 1000
        outgoing, offered = render(response.json(), BENCH_CHANNEL)
        self._offered = offered  # as the gateway keeps person.last_options
        self.replies.append([item.body for item in outgoing])
        return elapsed


def same_dialogue(product: list[list[str]], rest: list[list[str]]) -> tuple[int, int]:
    """(turns where both paths sent the same texts, turns compared)."""
    turns = min(len(product), len(rest))
    return sum(1 for a, b in zip(product, rest, strict=False) if a == b), turns
