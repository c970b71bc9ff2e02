"""What every action needs: a database session, the person behind the conversation, timing.

Actions report their own run time in a custom message the gateway strips out, so one log line
per resident message can show time spent in the gateway, in Rasa and in the actions. What the
gateway and the actions say to each other is defined in `bot/dialogue/contract.py`.

Settings are read on the first database use, not at import: importing the actions (the action
server does it at start-up, tests and tools do it to list them) must not read or create files.
"""

from __future__ import annotations

import time
from abc import ABCMeta, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.config import load_settings
from bot.db import session_scope
from bot.dialogue.contract import channel_from, timing_payload
from bot.jobs.send_window import FollowUpPolicy
from bot.models import Person
from bot.policy.hours import WorkingHours
from bot.records.people import person_by_conversation


@lru_cache(maxsize=1)
def database_url() -> str:
    """Read once, on first use (see the module docstring)."""
    return load_settings().database_url


@lru_cache(maxsize=1)
def working_hours() -> WorkingHours:
    """When link workers are there, from the same settings the gateway's safety texts use."""
    return WorkingHours.from_settings(load_settings())


@contextmanager
def db() -> Iterator[Session]:
    with session_scope(database_url()) as session:
        yield session


def follow_up_policy() -> FollowUpPolicy:
    """The check-in series and sending hours, from the same settings the scheduler reads."""
    return FollowUpPolicy.from_settings(load_settings())


def person_for(session: Session, tracker: Tracker) -> Person | None:
    return person_by_conversation(session, tracker.sender_id)


def channel_of(tracker: Tracker) -> str:
    return channel_from(tracker.latest_message.get("metadata"))


def response_text(domain: dict[str, Any], name: str) -> str:
    """The words of a domain response, so consent is stored with exactly what was shown."""
    return str(domain["responses"][name][0]["text"])


class TimedAction(Action, metaclass=ABCMeta):
    """An action that reports how long it ran (abstract, so the SDK does not register it)."""

    @abstractmethod
    def name(self) -> str:
        """Each subclass names itself."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        started = time.perf_counter()
        try:
            return await self.perform(dispatcher, tracker, domain)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            dispatcher.utter_message(json_message=timing_payload(self.name(), elapsed))

    @abstractmethod
    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        """The action's work; `run` wraps it with timing."""
