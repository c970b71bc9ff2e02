import asyncio
import sqlite3

from bot.channels.base import ChannelSender
from bot.db import session_factory
from bot.gateway.outbox import OutboxWorker, backoff, enqueue
from bot.models import ChannelAddress, OutboundMessage
from bot.records.people import get_or_create_address


class WritingSender(ChannelSender):
    """A sender whose network call takes a while, during which another process writes."""

    channel = "sms"

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.other_write_ok = False

    async def send(self, message: OutboundMessage, address: ChannelAddress) -> str:
        _ = address.person.conversation_id  # a lazy load, as real senders do
        other = sqlite3.connect(self.db_path, timeout=0.5)
        try:
            other.execute("UPDATE person SET imd_decile = 3")
            other.commit()
            self.other_write_ok = True
        finally:
            other.close()
        await asyncio.sleep(0)
        return "SM123"


def test_no_database_lock_is_held_while_a_message_is_being_sent(sqlite_url):
    """SQLite's single writer is the case that stalled: another writer must get in mid-send."""
    database_url = sqlite_url
    session = session_factory(database_url)()
    address = get_or_create_address(session, "sms", "+447700900300")
    enqueue(session, address, "Hello")
    session.commit()
    sender = WritingSender(database_url.removeprefix("sqlite:///"))
    worker = OutboxWorker(session_factory(database_url), {"sms": sender}, max_attempts=3)
    assert asyncio.run(worker.send_due())
    assert sender.other_write_ok
    session.expire_all()
    sent = session.query(OutboundMessage).one()
    assert (sent.status, sent.attempts, sent.provider_id) == ("sent", 1, "SM123")


def test_backoff_doubles_from_two_seconds_up_to_five_minutes():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 8, 9, 20)] == [2, 4, 8, 256, 300, 300]
