"""Rasa killed during a burst of SMS conversations, then restarted: every text answered exactly once.

Twenty residents text at once through the fake Twilio (signed webhooks in, the app's real twilio
client out). Once half their texts are answered, Rasa is SIGKILLed while they keep texting;
it is restarted once they have all sent their last text. Judged by what each phone received,
checked against the database: at most one holding reply each, then every text's answer exactly
once, in the order they were sent. Only the opening of the journey is used (greeting and consent,
the consent thanks and the "what would help" question, the request for a postcode).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.db import session_scope
from bot.devtools.stack import Stack
from bot.gateway import messages as texts
from bot.models import ChannelAddress, InboundMessage, OutboundMessage
from tests.channels.helpers import wait_for
from tests.fakes.twilio import FakeTwilio

pytestmark = pytest.mark.e2e

RESIDENTS = 20
# What each resident texts, and words that only the answer to that text contains.
SCRIPT = [("hi", "1 Yes"), ("1", "What would make life a bit better"), ("I want to meet people", "postcode")]
TOTAL = RESIDENTS * len(SCRIPT)
KILL_WHEN_ANSWERED = TOTAL // 2  # the greetings are answered and the consent answers are under way
PATIENCE_WHILE_DOWN = 5.0  # seconds a resident waits for a reply before texting again anyway
PATIENCE_WHILE_UP = 120.0  # Rasa is up: the reply will come, however loaded the machine
NUMBERS = [f"+4477009{51000 + n:05d}" for n in range(RESIDENTS)]


@dataclass
class Resident:
    """One phone: texts the script, each text once the last one's answer came (with Rasa down, once a while passed)."""

    fake: FakeTwilio
    number: str
    rasa_down: threading.Event
    sids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def run(self) -> None:
        pause = random.Random(self.number)
        for words, marker in SCRIPT:
            before = self._seen(marker)
            sid = f"SM{uuid.uuid4().hex}"
            try:
                status = self.fake.text_in(self.number, words, sid=sid).status_code
            except Exception as exc:  # noqa: BLE001 - any failure to hand the text over is a finding
                self.errors.append(type(exc).__name__)
                return
            if status != 200:
                self.errors.append(f"webhook {status}")
                return
            self.sids.append(sid)
            self._wait_for_answer(marker, before)
            time.sleep(pause.uniform(0.05, 0.5))  # reading and typing

    def _seen(self, marker: str) -> int:
        return sum(marker in body for body in self.fake.received(self.number))

    def _wait_for_answer(self, marker: str, before: int) -> None:
        """Until the question this text leads to has arrived; with Rasa down, only for a while."""
        started = time.monotonic()
        while self._seen(marker) == before:
            waited = time.monotonic() - started
            if waited > PATIENCE_WHILE_UP or (self.rasa_down.is_set() and waited > PATIENCE_WHILE_DOWN):
                return
            time.sleep(0.1)


def _counts(stack: Stack) -> tuple[int, int, int]:
    """Our residents' texts: stored, answered (done), and holding replies queued or sent."""
    with session_scope(stack.database_url) as session:
        ours = select(ChannelAddress.id).where(ChannelAddress.channel == "sms", ChannelAddress.address.in_(NUMBERS))
        stored = session.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.address_id.in_(ours)))
        done = session.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.address_id.in_(ours), InboundMessage.status == "done"))
        holding = session.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.address_id.in_(ours), OutboundMessage.kind == "holding"))
    return stored or 0, done or 0, holding or 0


def _all_answered_and_sent(stack: Stack, fake: FakeTwilio) -> bool:
    stored, done, _ = _counts(stack)
    if (stored, done) != (TOTAL, TOTAL):
        return False
    with session_scope(stack.database_url) as session:
        ours = select(ChannelAddress.id).where(ChannelAddress.channel == "sms", ChannelAddress.address.in_(NUMBERS))
        statuses = Counter(session.scalars(select(OutboundMessage.status).where(OutboundMessage.address_id.in_(ours))))
    handed_over = statuses["sent"] + statuses["delivered"]
    return statuses["queued"] == 0 and handed_over == sum(len(fake.received(n)) for n in NUMBERS)


def _conversation(stack: Stack, number: str) -> tuple[str, list[InboundMessage], list[OutboundMessage]]:
    with session_scope(stack.database_url) as session:
        address = session.scalar(select(ChannelAddress).where(ChannelAddress.channel == "sms", ChannelAddress.address == number))
        assert address is not None, "texts from this number were never stored"
        inbound = list(session.scalars(select(InboundMessage).where(InboundMessage.address_id == address.id)
                                       .order_by(InboundMessage.received_at, InboundMessage.id)))
        outbound = list(session.scalars(select(OutboundMessage).where(OutboundMessage.address_id == address.id)
                                        .order_by(OutboundMessage.sequence)))
        conversation_id = address.person.conversation_id
        session.expunge_all()
    return conversation_id, inbound, outbound


def _rasa_user_turns(stack: Stack, conversation_ids: list[str]) -> Counter[int]:
    """How many times Rasa took in a text, per conversation (a measurement, printed)."""
    engine = create_engine(f"sqlite:///{stack.tracker_db}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT sender_id, COUNT(*) FROM events WHERE type_name = 'user' GROUP BY sender_id"))
            per = {sender: count for sender, count in rows}
    finally:
        engine.dispose()
    return Counter(per.get(c, 0) for c in conversation_ids)


def test_sms_burst_through_a_rasa_kill_and_restart_is_answered_exactly_once(stack: Stack, fake_twilio: FakeTwilio, model_path):
    stack.wait_ready("rasa", timeout=300)  # an earlier test may have restarted it
    rasa_down = threading.Event()
    residents = [Resident(fake_twilio, number, rasa_down) for number in NUMBERS]
    threads = [threading.Thread(target=r.run, name=f"resident-{i}") for i, r in enumerate(residents)]
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        wait_for(lambda: _counts(stack)[1] >= KILL_WHEN_ANSWERED, 300, f"{KILL_WHEN_ANSWERED} texts answered", interval=0.25)
        stack.kill("rasa")
        rasa_down.set()
        stored_at_kill, answered_at_kill, _ = _counts(stack)
        killed_after = time.monotonic() - started
        assert stored_at_kill < TOTAL  # a resident texts again only once answered: some texts are still to come

        for thread in threads:
            thread.join(timeout=600)
        assert not any(t.is_alive() for t in threads), "a resident never finished texting"
        assert [r.errors for r in residents] == [[]] * RESIDENTS
        stored, answered, holding = _counts(stack)
        assert stored == TOTAL
        assert answered < TOTAL and holding >= 1  # the outage was real: texts are waiting, people were told

        stack.restart_rasa(model_path)
        stack.wait_ready("rasa", timeout=300)
        back_after = time.monotonic() - started
        wait_for(lambda: _all_answered_and_sent(stack, fake_twilio), 300, "every text answered and every reply sent", interval=0.25)
        # Nothing more may arrive: a duplicate would show up as an extra text.
        settled = [len(fake_twilio.received(n)) for n in NUMBERS]
        time.sleep(3)
        assert [len(fake_twilio.received(n)) for n in NUMBERS] == settled
    finally:
        rasa_down.set()
        if not stack.services["rasa"].is_running():  # leave Rasa up for the tests that follow
            stack.restart_rasa(model_path)
            stack.wait_ready("rasa", timeout=300)

    conversation_ids, retried = [], 0
    for resident in residents:
        conversation_id, inbound, outbound = _conversation(stack, resident.number)
        conversation_ids.append(conversation_id)
        phone = fake_twilio.received(resident.number)
        # The database: each text stored once, in the order sent, answered and its words cleared.
        assert [m.provider_id for m in inbound] == resident.sids
        assert all(m.status == "done" and m.processed_at is not None and m.text is None for m in inbound)
        retried += sum(1 for m in inbound if m.attempts)
        # The outbox: each reply sent once, and exactly what reached the phone, in order.
        assert all(m.status in ("sent", "delivered") for m in outbound)
        assert [m.body for m in outbound] == phone
        sent_sids = [s.sid for s in fake_twilio.sent if s.to == resident.number]
        assert sorted(m.provider_id for m in outbound) == sorted(sent_sids) and len(set(sent_sids)) == len(sent_sids)
        # The phone: at most one holding reply, then one answer per text, in the order they were sent.
        assert phone.count(texts.HOLDING) <= 1
        answers = [m for m in outbound if m.kind != "holding"]
        assert all(m.in_reply_to in {i.id for i in inbound} for m in outbound)
        batches = [[m.body or "" for m in answers if m.in_reply_to == i.id] for i in inbound]
        assert [body for batch in batches for body in batch] == [m.body for m in answers]  # answers in text order
        for (words, marker), batch in zip(SCRIPT, batches, strict=False):
            assert batch, f"the text {words!r} got no answer"
            assert len(set(batch)) == len(batch), f"the answer to {words!r} came twice"
            assert sum(marker in body for body in batch) == 1, f"the answer to {words!r} is not the expected one"
        assert sum(marker in body for body in phone for _, marker in SCRIPT) == len(SCRIPT)

    log = stack.services["app"].log_path.read_text(errors="replace")
    assert not any(number in log or number[1:] in log for number in NUMBERS)
    assert not any(words in log for words, _ in SCRIPT[2:])  # the free-text message never reaches the log
    turns = _rasa_user_turns(stack, conversation_ids)
    print(
        f"\n{RESIDENTS} residents x {len(SCRIPT)} texts; Rasa killed at {killed_after:.1f}s with {answered_at_kill} "
        f"answered and {stored_at_kill} stored ({TOTAL - stored_at_kill} texted while down), back at {back_after:.1f}s; "
        f"{holding} holding replies; {retried} texts "
        f"retried; all answered at {time.monotonic() - started:.1f}s; Rasa user turns per conversation: {dict(turns)}"
    )
