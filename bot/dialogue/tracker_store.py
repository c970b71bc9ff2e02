"""Reading and erasing Rasa's tracker store directly.

Rasa's HTTP API can only append or replace events, and its SQL tracker store never deletes on
replace, so 'forget me' deletes the rows directly. The tracker store is ours (see endpoints.yml),
and Rasa 3.6 keeps one `events` table keyed by `sender_id`. The gateway also reads it to tell
whether Rasa already took a turn whose answer was lost (`taken_turn`), without going through a
Rasa server (which may be the one that died, and whose GET would start a session as a side effect).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from bot.db import engine_for as _engine_for
from bot.dialogue import contract
from bot.dialogue.endpoints import app_tracker_url


def engine_for(tracker_db_url: str):
    """The tracker store as the app reaches it (the same URL Rasa is given, with the app's driver)."""
    return _engine_for(app_tracker_url(tracker_db_url))


def forget_conversation(tracker_db_url: str, conversation_id: str) -> int:
    """Delete the conversation's events; on SQLite, out of the file's bytes too.

    SQLite (secure_delete, set by the engine factory) zeroes the deleted rows in the new copies of
    their pages, but the old copies stay in the main file until the write-ahead log is copied back,
    so it is copied back now and the log emptied.
    """
    engine = engine_for(tracker_db_url)
    with engine.begin() as conn:
        try:
            result = conn.execute(text("DELETE FROM events WHERE sender_id = :sid"), {"sid": conversation_id})
        except Exception as exc:  # no table yet: Rasa has stored nothing
            if "no such table" in str(exc).lower() or "does not exist" in str(exc).lower():
                return 0
            raise
        deleted = result.rowcount or 0
    if deleted and engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return deleted


def tracker_forgetter(tracker_db_url: str) -> Callable[[str], None]:
    def forget(conversation_id: str) -> None:
        forget_conversation(tracker_db_url, conversation_id)

    return forget


def idle_conversations(tracker_db_url: str, before: float) -> dict[str, float]:
    """Sender ids whose latest event is older than `before` (epoch seconds), with that time."""
    with engine_for(tracker_db_url).connect() as conn:
        try:
            rows = conn.execute(
                text("SELECT sender_id, MAX(timestamp) FROM events GROUP BY sender_id HAVING MAX(timestamp) < :before"),
                {"before": before},
            ).all()
        except Exception as exc:  # no table yet: Rasa has stored nothing
            if "no such table" in str(exc).lower() or "does not exist" in str(exc).lower():
                return {}
            raise
    return {sender_id: float(latest) for sender_id, latest in rows}


def taken_turn(tracker_db_url: str, conversation_id: str, message_key: str) -> list[dict[str, Any]] | None:
    """The bot's messages of the turn Rasa already took for this message, or None if it took none.

    A turn can reach Rasa and be saved while its answer is lost: the Rasa server or the app
    process died after Rasa saved the tracker and before the reply was stored. Sending the text
    again would make Rasa take it twice (a second "1" means something else one step later), so
    before a message is handed to Rasa again the gateway looks here. Rasa saves a turn's events in
    one transaction at its end, so the user event being there means the whole turn is.

    The message is found by the key the gateway sent in the user event's metadata
    (bot/dialogue/contract.py); the turn's messages are rebuilt the way Rasa's REST channel
    builds its answer (rasa.core.channels.channel.CollectingOutputChannel).
    """
    with engine_for(tracker_db_url).connect() as conn:
        try:
            candidates = conn.execute(
                text("SELECT id, data FROM events WHERE sender_id = :sid AND type_name = 'user' AND data LIKE :pattern "
                     "ORDER BY id"),
                {"sid": conversation_id, "pattern": f"%{message_key}%"},
            ).all()
            user = next((row_id for row_id, data in candidates if contract.message_key_of(_metadata(data)) == message_key),
                        None)
            if user is None:
                return None
            rows = conn.execute(
                text("SELECT type_name, data FROM events WHERE sender_id = :sid AND id > :after ORDER BY id"),
                {"sid": conversation_id, "after": user},
            ).all()
        except Exception as exc:  # no table yet: Rasa has stored nothing
            if "no such table" in str(exc).lower() or "does not exist" in str(exc).lower():
                return None
            raise
    messages: list[dict[str, Any]] = []
    for type_name, data in rows:
        if type_name == "user":  # the next turn began
            break
        if type_name == "bot":
            messages.extend(_as_rest_messages(json.loads(data or "{}")))
    return messages


def _metadata(data: str | None) -> dict[str, Any]:
    try:
        found = json.loads(data or "{}").get("metadata")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _as_rest_messages(event: dict[str, Any]) -> list[dict[str, Any]]:
    """What Rasa's REST channel answers for one bot event (CollectingOutputChannel.send_response)."""
    said = event.get("text") or ""
    data = event.get("data") or {}
    buttons = data.get("buttons") or data.get("quick_replies")
    out: list[dict[str, Any]] = []
    if buttons:
        out.append({"text": said, "buttons": buttons})
    elif said:
        out.extend({"text": part} for part in said.strip().split("\n\n"))
    for key in ("custom", "image", "attachment"):
        if data.get(key):
            out.append({key: data[key]})
    return out
