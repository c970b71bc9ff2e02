"""The outbox shared by several processes: leased claims, crash takeover, order and fairness."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.channels.base import ChannelSender, UnconfirmedSendError
from bot.db import make_engine, session_factory
from bot.gateway.outbox import OutboxWorker, enqueue
from bot.models import ChannelAddress, OutboundMessage, Person, utcnow
from bot.records.people import get_or_create_address


class RecordingSender(ChannelSender):
    """Records each send; can say the provider already has a message (an earlier lost answer)."""

    channel = "sms"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.lookups: list[str] = []
        self.provider_has: dict[str, str] = {}  # body -> sid the provider accepted earlier
        self.lose_answer_once: set[str] = set()  # bodies whose first send is accepted, then times out
        self._lock = threading.Lock()

    async def send(self, message: OutboundMessage, address: ChannelAddress) -> str:
        body = message.body or ""
        with self._lock:
            self.sent.append(body)
            sid = f"SM{len(self.sent):04d}"
            if body in self.lose_answer_once:
                self.lose_answer_once.discard(body)
                self.provider_has[body] = sid
                raise UnconfirmedSendError("network: ReadTimeout")
        return sid

    async def find_sent(self, message: OutboundMessage, address: ChannelAddress, since: datetime) -> list[str]:
        self.lookups.append(message.body or "")
        sid = self.provider_has.get(message.body or "")
        return [sid] if sid else []


def _queue(sessions: sessionmaker, number: str, *bodies: str, due_in: float = 0.0) -> list[str]:  # type: ignore[type-arg]
    with sessions() as session:
        address = get_or_create_address(session, "sms", number)
        ids = []
        for body in bodies:
            message = enqueue(session, address, body)
            message.next_attempt_at = utcnow() + timedelta(seconds=due_in)
            ids.append(message.id)
        session.commit()
        return ids


def _statuses(sessions: sessionmaker) -> dict[str, str]:  # type: ignore[type-arg]
    with sessions() as session:
        return {m.body or "": m.status for m in session.scalars(select(OutboundMessage))}


def test_a_crashed_processs_messages_are_sent_once_by_another_after_the_lease(database_url):
    sessions = session_factory(database_url)
    _queue(sessions, "+447700900401", "first", "second")
    crashed = OutboxWorker(sessions, {"sms": RecordingSender()}, max_attempts=3)
    assert [c[2] for c in crashed.claim_due()] == [None]  # claims "first", then dies before sending
    survivor_sender = RecordingSender()
    survivor = OutboxWorker(sessionmaker(make_engine(database_url), expire_on_commit=False),
                            {"sms": survivor_sender}, max_attempts=3)
    assert not asyncio.run(survivor.send_due())  # leased: not the survivor's, and "second" waits behind it
    with sessions() as session:
        session.execute(update(OutboundMessage).values(lease_until=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert asyncio.run(survivor.send_due())  # "first", then "second", leased as "first" was recorded
    assert survivor_sender.sent == ["first", "second"]
    # The crashed attempt's outcome was unknown, so the provider was asked first; it did not have it.
    assert survivor_sender.lookups == ["first"]
    assert _statuses(sessions) == {"first": "sent", "second": "sent"}
    assert not asyncio.run(survivor.send_due())


def test_a_message_the_provider_took_before_its_answer_was_lost_is_not_sent_again(database_url):
    sessions = session_factory(database_url)
    _queue(sessions, "+447700900402", "hello", "then this")
    sender = RecordingSender()
    sender.lose_answer_once.add("hello")
    worker = OutboxWorker(sessions, {"sms": sender}, max_attempts=3)
    assert asyncio.run(worker.send_due())  # "hello": accepted, but the answer timed out: looked up; then the next
    assert not asyncio.run(worker.send_due())
    assert sender.sent == ["hello", "then this"]  # "hello" once: found at the provider, not resent
    assert sender.lookups == ["hello"]
    with sessions() as session:
        found = session.scalar(select(OutboundMessage).where(OutboundMessage.body == "hello"))
        assert found is not None and (found.status, found.provider_id, found.attempts) == ("sent", "SM0001", 1)
        assert found.attempt_started_at is None


def test_only_the_head_of_each_address_is_claimed(database_url):
    sessions = session_factory(database_url)
    _queue(sessions, "+447700900403", "waits", due_in=60)
    _queue(sessions, "+447700900403", "behind it")  # due, but must not overtake
    _queue(sessions, "+447700900404", "other person")
    worker = OutboxWorker(sessions, {"sms": RecordingSender()}, max_attempts=3)
    with sessions() as session:
        claimed = [session.get(OutboundMessage, c[0]).body for c in worker.claim_due()]  # type: ignore[union-attr]
    assert claimed == ["other person"]


def test_a_due_message_is_not_starved_by_many_that_are_backing_off(database_url):
    """The old scan read the first 500 queued rows by sequence, then filtered for due ones."""
    sessions = session_factory(database_url)
    with sessions() as session:
        later = utcnow() + timedelta(minutes=5)
        for n in range(520):  # 520 people whose first message is backing off
            address = ChannelAddress(person=Person(), channel="sms", address=f"+4477009{n:05d}")
            session.add(address)
            session.flush()
            session.add(OutboundMessage(address_id=address.id, channel="sms", body=f"retry {n}", sequence=1,
                                        next_attempt_at=later))
        session.commit()
    _queue(sessions, "+447700999999", "already sent")
    with sessions() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.body == "already sent").values(status="sent"))
        session.commit()
    _queue(sessions, "+447700999999", "due now")  # sequence 2: sorts after every backing-off row
    sender = RecordingSender()
    assert asyncio.run(OutboxWorker(sessions, {"sms": sender}, max_attempts=3).send_due())
    assert sender.sent == ["due now"]


def test_the_oldest_due_go_first(database_url):
    sessions = session_factory(database_url)
    _queue(sessions, "+447700900405", "newer", due_in=-1)
    _queue(sessions, "+447700900406", "oldest", due_in=-30)
    _queue(sessions, "+447700900407", "middle", due_in=-10)
    worker = OutboxWorker(sessions, {"sms": RecordingSender()}, max_attempts=3)
    with sessions() as session:
        order = [session.get(OutboundMessage, worker.claim_due(limit=1)[0][0]).body for _ in range(3)]  # type: ignore[union-attr]
    assert order == ["oldest", "middle", "newer"]


def test_processes_claiming_at_once_never_take_the_same_message(database_url):
    sessions = session_factory(database_url)
    for n in range(40):
        _queue(sessions, f"+4477009005{n:02d}", f"message {n}")
    workers = [OutboxWorker(sessionmaker(make_engine(database_url), expire_on_commit=False), {}, max_attempts=3)
               for _ in range(4)]
    claimed: list[list[str]] = [[] for _ in workers]
    barrier = threading.Barrier(len(workers))

    errors: list[str] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            while got := workers[i].claim_due(limit=4):  # until nothing is left for this process
                claimed[i] += [c[0] for c in got]
        except Exception as exc:  # noqa: BLE001 - a claim that errors is a finding
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    every = [message_id for ids in claimed for message_id in ids]
    assert len(every) == len(set(every)) == 40  # each message claimed exactly once, all of them


def test_a_replys_parts_go_out_in_one_round_in_order(database_url):
    """Each next part is leased in the commit that records the part before it, so a three-part
    reply does not wait for three claim rounds (and the next round finds nothing left)."""
    sessions = session_factory(database_url)
    _queue(sessions, "+447700900410", "one", "two", "three")
    _queue(sessions, "+447700900411", "someone else")
    sender = RecordingSender()
    worker = OutboxWorker(sessions, {"sms": sender}, max_attempts=3)
    assert asyncio.run(worker.send_due())
    assert [body for body in sender.sent if body != "someone else"] == ["one", "two", "three"]
    assert sorted(sender.sent) == ["one", "someone else", "three", "two"]
    assert set(_statuses(sessions).values()) == {"sent"}
    with sessions() as session:
        assert {(m.claimed_by, m.lease_until) for m in session.scalars(select(OutboundMessage))} == {(None, None)}
    assert not asyncio.run(worker.send_due())


def test_a_next_part_waiting_to_retry_or_leased_elsewhere_is_left_alone(database_url):
    sessions = session_factory(database_url)
    _queue(sessions, "+447700900412", "now")
    _queue(sessions, "+447700900412", "later", due_in=60)  # backing off: not due yet
    _queue(sessions, "+447700900413", "mine")
    [theirs] = _queue(sessions, "+447700900413", "theirs")
    other_lease = utcnow() + timedelta(minutes=1)
    with sessions() as session:  # another live process holds the next part
        session.execute(update(OutboundMessage).where(OutboundMessage.id == theirs)
                        .values(claimed_by="other:1", lease_until=other_lease))
        session.commit()
    sender = RecordingSender()
    assert asyncio.run(OutboxWorker(sessions, {"sms": sender}, max_attempts=3).send_due())
    assert sorted(sender.sent) == ["mine", "now"]
    assert _statuses(sessions) == {"now": "sent", "later": "queued", "mine": "sent", "theirs": "queued"}
    with sessions() as session:
        held = session.get(OutboundMessage, theirs)
        assert held is not None and held.claimed_by == "other:1"


def test_a_part_that_failed_to_send_holds_back_the_next(database_url):
    """Order per person: after a failed attempt nothing behind it is leased in the same commit."""
    sessions = session_factory(database_url)
    _queue(sessions, "+447700900414", "first", "second")
    sender = RecordingSender()
    sender.lose_answer_once.add("first")  # answer lost and the provider has nothing: retried later
    sender.provider_has = {}

    async def lose(message: OutboundMessage, address: ChannelAddress, since: datetime) -> list[str]:
        sender.lookups.append(message.body or "")
        return []

    sender.find_sent = lose  # type: ignore[method-assign]
    assert asyncio.run(OutboxWorker(sessions, {"sms": sender}, max_attempts=3).send_due())
    assert sender.sent == ["first"]
    assert _statuses(sessions) == {"first": "queued", "second": "queued"}
