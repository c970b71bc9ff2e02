"""A turn Rasa took whose answer was lost is answered from the tracker store, never taken twice.

A Rasa server or an app process can die after Rasa saved a turn and before the reply was
stored. The gateway marks each message before handing it to Rasa; a message handed over before
is first looked for in the tracker store (by the id the gateway sent in the user event's
metadata), and if Rasa took it, its answer is rebuilt from the bot events instead of sending the
text again (a second "1" one step later would mean something else).

The events below are in the shape Rasa 3.6's SQL tracker store writes them; the scaled end-to-end
test (tests/e2e/test_scaled.py) checks the same against a real Rasa.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import sessionmaker

from bot.db import make_engine
from bot.dialogue import contract
from bot.dialogue.rasa_client import RasaReply, RasaUnavailable
from bot.dialogue.tracker_store import taken_turn
from bot.gateway.outbox import OutboxWorker
from bot.gateway.processor import Gateway
from bot.models import InboundMessage, OutboundMessage

BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def _events_table(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:  # Rasa 3.6's SQLTrackerStore.SQLEvent
        conn.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                          "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                          "action_name VARCHAR(255), data TEXT)"))
    engine.dispose()


def _write(url: str, sender: str, events: list[dict[str, Any]]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        start = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM events")).scalar_one()
        for n, event in enumerate(events, start=start + 1):
            conn.execute(text("INSERT INTO events (id, sender_id, type_name, timestamp, data) VALUES (:i, :s, :t, 0, :d)"),
                         {"i": n, "s": sender, "t": event["event"], "d": json.dumps(event)})
    engine.dispose()


def _user(words: str, inbound_id: str | None) -> dict[str, Any]:
    metadata = contract.metadata("sms", inbound_id) if inbound_id else {}
    return {"event": "user", "timestamp": 1.0, "metadata": metadata, "text": words, "message_id": "rasa-own-id",
            "input_channel": "rest", "parse_data": {"text": words, "intent": {"name": "greet"}}}


def _bot(words: str | None, **data: Any) -> dict[str, Any]:
    full = {"elements": None, "quick_replies": None, "buttons": None, "attachment": None, "image": None, "custom": None}
    return {"event": "bot", "timestamp": 1.0, "metadata": {"utter_action": "utter_x"}, "text": words, "data": {**full, **data}}


def _action(name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": 1.0, "name": name, "policy": None, "confidence": 1.0}


def test_the_turn_is_found_by_its_message_and_rebuilt_as_rests_answer(database_url):
    _events_table(database_url)
    signal = contract.signal_payload(contract.Signal.OPT_OUT)
    _write(database_url, "conv-1", [
        _action("action_session_start"), _user("hi", "in-1"), _action("utter_greet"),
        _bot("Hello.\n\nI can help you find groups.", ), _bot("Is that OK?", buttons=BUTTONS), _action("action_listen"),
        _user("1", "in-2"), _action("action_x"), _bot(None, custom=signal), _bot("Done."), _action("action_listen"),
        _user("later", "in-3"),  # not yet answered: the turn's bot events are not there
    ])
    _write(database_url, "conv-2", [_user("hi", "in-9"), _bot("Someone else's answer.")])

    assert taken_turn(database_url, "conv-1", "in-1") == [
        {"text": "Hello."}, {"text": "I can help you find groups."}, {"text": "Is that OK?", "buttons": BUTTONS},
    ]  # REST splits a text at blank lines; buttons stay with their text
    assert taken_turn(database_url, "conv-1", "in-2") == [{"custom": signal}, {"text": "Done."}]
    assert taken_turn(database_url, "conv-1", "in-3") == []  # taken, and Rasa said nothing
    assert taken_turn(database_url, "conv-1", "in-4") is None  # never reached Rasa's store
    assert taken_turn(database_url, "conv-1", "in-9") is None  # another conversation's message


def test_a_message_id_in_the_words_is_not_mistaken_for_the_metadata(database_url):
    _events_table(database_url)
    _write(database_url, "conv-1", [_user("my code is in-7", None), _bot("OK.")])
    assert taken_turn(database_url, "conv-1", "in-7") is None


def test_no_tracker_table_yet_means_nothing_was_taken(database_url):
    assert taken_turn(database_url, "conv-1", "in-1") is None


class FlakyRasa:
    """Takes the turn, then (the first time) loses the answer, as a Rasa server killed mid-reply."""

    def __init__(self, store: dict[str, list[dict[str, Any]]]) -> None:
        self.store, self.calls, self.lose_next = store, [], True

    async def send(self, conversation_id: str, message: str, metadata: dict[str, Any] | None = None) -> RasaReply:
        self.calls.append((message, dict(metadata or {})))
        answer = [{"text": f"re {message}"}]
        self.store[contract.message_key_of(metadata) or ""] = answer  # the turn is saved...
        if self.lose_next:
            self.lose_next = False
            raise RasaUnavailable("RemoteProtocolError")  # ...and its answer never arrives
        return RasaReply(messages=answer, rasa_ms=1.0)

    async def is_ready(self) -> bool:
        return True


def test_a_turn_whose_answer_was_lost_is_answered_once_from_the_store_not_taken_again(database_url):
    store: dict[str, list[dict[str, Any]]] = {}
    rasa = FlakyRasa(store)
    looked: list[str] = []

    def find(conversation_id: str, inbound_id: str) -> list[dict[str, Any]] | None:
        looked.append(inbound_id)
        return store.get(inbound_id)

    sessions = sessionmaker(make_engine(database_url), expire_on_commit=False)
    gateway = Gateway(sessions, rasa, OutboxWorker(sessions, {}, max_attempts=3), retry_seconds=0.05,  # type: ignore[arg-type]
                      rate_limit_per_minute=1000, taken_turn=find)

    async def scenario() -> None:
        first = gateway.accept("sms", "+447700900001", "SM1", text="1")
        await gateway.drain(first.address_id)  # the answer is lost: pending, one holding reply
        await gateway.drain(first.address_id)  # retried: found in the store, Rasa not asked again
        second = gateway.accept("sms", "+447700900001", "SM2", text="next")
        await gateway.drain(second.address_id)  # never handed over before: straight to Rasa

    asyncio.run(scenario())
    with sessions() as session:
        inbound = list(session.scalars(select(InboundMessage).order_by(InboundMessage.received_at)))
        bodies = list(session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.sequence)))
    assert [m for m, _ in rasa.calls] == ["1", "next"]  # each text taken by Rasa once
    assert all(meta[contract.MESSAGE_KEY] == m.id for (_, meta), m in zip(rasa.calls, inbound, strict=True))
    assert looked == [inbound[0].id]  # only the message handed over before was looked for
    assert [m.status for m in inbound] == ["done", "done"]
    assert bodies[1:] == ["re 1", "re next"]  # after the one holding reply, each answer once, in order
    gateway.stop()


def test_rasas_ticket_lock_says_whether_a_turn_may_still_be_running():
    from bot.dialogue.lock_store import live_tickets

    def lock(*expires: float) -> str:  # rasa.core.lock.TicketLock.dumps()
        return json.dumps({"conversation_id": "c", "tickets": [json.dumps({"number": n, "expires": e})
                                                                for n, e in enumerate(expires)]})

    assert live_tickets(None, 100.0) == 0  # no lock: nobody is taking a turn
    assert live_tickets(lock(), 100.0) == 0
    assert live_tickets(lock(99.0), 100.0) == 0  # a dead server's ticket, run out
    assert live_tickets(lock(99.0, 160.0), 100.0) == 1
    assert live_tickets("not json", 100.0) == 1  # unknown: assume held


def test_a_lost_answer_is_not_looked_for_while_rasa_may_still_be_taking_the_turn(database_url):
    store: dict[str, list[dict[str, Any]]] = {}
    rasa = FlakyRasa(store)
    busy = [True]
    sessions = sessionmaker(make_engine(database_url), expire_on_commit=False)
    gateway = Gateway(sessions, rasa, OutboxWorker(sessions, {}, max_attempts=3), retry_seconds=0.05,  # type: ignore[arg-type]
                      rate_limit_per_minute=1000, taken_turn=lambda c, i: store.get(i), turn_in_progress=lambda c: busy[0])

    async def scenario() -> None:
        accepted = gateway.accept("sms", "+447700900002", "SM1", text="1")
        await gateway.drain(accepted.address_id)  # the answer is lost
        store.clear()  # Rasa has not saved the turn yet: it is still taking it
        await gateway.drain(accepted.address_id)  # so the gateway waits rather than sending it again
        assert [m for m, _ in rasa.calls] == ["1"]
        store[accepted.inbound_id] = [{"text": "re 1"}]  # Rasa finishes and saves it
        busy[0] = False
        await gateway.drain(accepted.address_id)

    asyncio.run(scenario())
    with sessions() as session:
        inbound = session.scalars(select(InboundMessage)).one()
        bodies = list(session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.sequence)))
    assert [m for m, _ in rasa.calls] == ["1"] and inbound.status == "done"
    assert bodies[1:] == ["re 1"]  # one holding reply, then the answer Rasa gave, once
    gateway.stop()
