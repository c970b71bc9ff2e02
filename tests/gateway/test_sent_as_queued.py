"""A turn's SMS reply is leased in the commit that queues it and sent straight away: it does not
wait for the outbox's next claim round (which cost about as much as the rest of the turn's outbox
work), unless per-person order or another process's lease says it must."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.gateway.outbox import enqueue
from bot.models import OutboundMessage, utcnow
from bot.records.people import get_or_create_address
from tests.actions.dialogue import Dialogue, dialogue

NUMBER = "+447700900651"


def _turn(talk: Dialogue, text: str) -> None:
    """A message handled, and nothing more: no claim round of the outbox runs."""

    async def run() -> None:
        accepted = talk.gateway.accept("sms", NUMBER, f"SM-{text}", text=text)
        await talk.gateway.drain(accepted.address_id)
        await talk.outbox.finish_sending(timeout=5.0)

    asyncio.run(run())


def test_a_turns_reply_reaches_the_phone_without_a_claim_round(database_url):
    talk = dialogue(database_url, echo=True)
    _turn(talk, "hello")
    _turn(talk, "and again")
    assert talk.sender.received(NUMBER) == ["You said: hello", "You said: and again"]
    with talk.gateway._sessions() as session:  # noqa: SLF001 - the rows the phone's texts came from
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.sequence)).all()
        assert [(m.status, m.claimed_by, m.attempts) for m in rows] == [("sent", None, 1), ("sent", None, 1)]


def test_a_reply_behind_a_message_backing_off_waits_its_turn(database_url):
    talk = dialogue(database_url, echo=True)
    with talk.gateway._sessions() as session:  # noqa: SLF001
        earlier = enqueue(session, get_or_create_address(session, "sms", NUMBER), "Earlier text")
        earlier.next_attempt_at = utcnow() + timedelta(minutes=1)  # its provider failed: retried soon
        session.commit()
        earlier_id = earlier.id
    _turn(talk, "hello")
    assert talk.sender.received(NUMBER) == []  # the reply must not overtake the earlier text
    with talk.gateway._sessions() as session:  # noqa: SLF001
        session.execute(update(OutboundMessage).where(OutboundMessage.id == earlier_id)
                        .values(next_attempt_at=utcnow()))
        session.commit()
    assert asyncio.run(talk.outbox.send_due())
    assert talk.sender.received(NUMBER) == ["Earlier text", "You said: hello"]
