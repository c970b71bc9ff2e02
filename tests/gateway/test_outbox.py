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


def test_web_chat_replies_are_settled_in_one_round_and_opted_out_ones_suppressed(database_url):
    """The page reads web chat messages from the outbox, so a reply of several parts is settled in
    one pass (no lease, no claim per part, nothing handed to a sender); after an opt-out only a
    safety text goes."""
    from bot.channels.webchat import WebchatSender
    from bot.policy.opt_out import opt_out
    from bot.statuses import MessageKind

    session = session_factory(database_url)()
    chat = get_or_create_address(session, "webchat", "chat-0123456789abcdef")
    other = get_or_create_address(session, "webchat", "chat-fedcba9876543210")
    for body in ("One", "Two", "Three"):
        enqueue(session, chat, body)
    opt_out(other)
    enqueue(session, other, "A reply they asked for before STOP")
    enqueue(session, other, "Please call 999", kind=MessageKind.SAFETY)
    session.commit()
    worker = OutboxWorker(session_factory(database_url), {"webchat": WebchatSender()}, max_attempts=3)

    assert asyncio.run(worker.send_due())
    session.expire_all()
    rows = {m.body: m for m in session.query(OutboundMessage)}
    assert [rows[b].status for b in ("One", "Two", "Three", "Please call 999")] == ["delivered"] * 4
    assert rows["A reply they asked for before STOP"].status == "suppressed"
    assert all(m.claimed_by is None and m.lease_until is None and m.attempts == 1 for m in rows.values())
    assert not asyncio.run(worker.send_due())  # nothing left: settled once
