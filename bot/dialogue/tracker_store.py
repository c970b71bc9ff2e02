"""Erasing a conversation from Rasa's tracker store.

Rasa's HTTP API can only append or replace events, and its SQL tracker store never deletes on
replace, so 'forget me' deletes the rows directly. The tracker store is ours (see endpoints.yml),
and Rasa 3.6 keeps one `events` table keyed by `sender_id`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from bot.db import engine_for as _engine_for
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
