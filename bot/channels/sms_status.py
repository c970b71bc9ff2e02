"""Twilio delivery status: callbacks come in any order, and can come before we know the sid.

Each status callback is its own HTTP request, so they can overtake each other, and the first can
reach us while our send is still waiting for Twilio's answer that carries the message's sid. So
every callback is kept as a `DeliveryEvent` (unlinked if its sid is not saved yet), the outbox
links the early ones when it saves the sid, and a message's status is the furthest point the
reports say it reached, whatever order they arrived in.
"""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.models import ChannelAddress, DeliveryEvent, OutboundMessage
from bot.policy import crisis
from bot.policy.opt_out import opt_out
from bot.statuses import DELIVERY_ORDER, Channel, OutboundStatus

UNSUBSCRIBED = 21610  # the recipient texted STOP to our Twilio number

# Twilio status -> ours. Twilio's accepted/queued/sending are recorded but change nothing: a
# message with a sid is already "sent" (Twilio has it) and "queued" in our outbox means "not yet
# handed to Twilio", so moving a message back there would send it twice.
_OURS = {
    "sent": OutboundStatus.SENT, "delivered": OutboundStatus.DELIVERED, "read": OutboundStatus.DELIVERED,
    "undelivered": OutboundStatus.UNDELIVERED, "failed": OutboundStatus.FAILED, "canceled": OutboundStatus.FAILED,
}
# Messages still queued in our outbox, or suppressed, were never handed to Twilio: callbacks do
# not touch them. For the rest, DELIVERY_ORDER says how far along each status is (a delivery
# receipt wins over a failure, since carriers do report "delivered" after "undelivered").
_NOT_HANDED_OVER = frozenset({OutboundStatus.QUEUED, OutboundStatus.SUPPRESSED})

# The statements every callback runs, built once with bound parameters: four callbacks come for
# each text, and building these cost more than running them on SQLite.
_STATUS_BY_SID = select(OutboundMessage.id, OutboundMessage.status).where(
    OutboundMessage.channel == Channel.SMS, OutboundMessage.provider_id == bindparam("sid"))
_MOVE_ON = (
    update(OutboundMessage)
    .where(OutboundMessage.id == bindparam("outbound_id"), OutboundMessage.status == bindparam("was"))
    .values(status=bindparam("new"))
    .execution_options(synchronize_session=False)
)
_KEEP_EVENT = insert(DeliveryEvent).values(
    outbound_id=bindparam("outbound_id"), provider_id=bindparam("provider_id"), status=bindparam("status"),
    error_code=bindparam("error_code"),
)


def later_status(current: str, reported: str) -> str:
    """Our status after Twilio reports `reported`: it only ever moves forward."""
    new = _OURS.get(reported.lower())
    if new is None or current in _NOT_HANDED_OVER or current not in DELIVERY_ORDER:
        return current
    return new if DELIVERY_ORDER[new] > DELIVERY_ORDER[current] else current


def record_callback(sessions: sessionmaker[Session], sid: str, reported: str, error_code: str | None) -> str | None:
    """Keep one callback and apply it; returns the id of our message, if we know it yet.

    Most callbacks are "sent" and "delivered" for a message we know, which change its status and
    nothing else: those are two plain statements, without loading the message (four callbacks a
    text made this a measurable part of an SMS turn's cost). A failure or an unsubscribe, where
    rules apply (a safety text flagged, an opt-out), goes through the message itself."""
    event = {"provider_id": sid, "status": reported[:16], "error_code": error_code[:16] if error_code else None}
    with sessions() as session:
        for _ in range(2):
            row = session.execute(_STATUS_BY_SID, {"sid": sid}).first()
            new = later_status(row.status, reported) if row is not None else None
            if row is None or new is None or _rules_apply(new, error_code):
                break
            changed = new == row.status or session.execute(
                _MOVE_ON, {"outbound_id": row.id, "was": row.status, "new": new}
            ).rowcount == 1  # type: ignore[attr-defined]
            if changed:  # else another callback moved it meanwhile: read it again
                session.execute(_KEEP_EVENT, {"outbound_id": row.id, **event})
                session.commit()
                return str(row.id)
        message = session.get(OutboundMessage, row.id) if row is not None else None
        session.add(DeliveryEvent(outbound_id=message.id if message else None, **event))
        if message is not None:
            _apply(session, message, reported, error_code)
        session.commit()
        if message is not None:
            return message.id
    # Unknown sid. If another process saved it between our look-up and our commit, its link step
    # may have run before our event was visible: look once more, so neither side misses the other.
    with sessions() as session:
        message = _by_sid(session, sid)
        if message is None:
            return None
        link_early_events(session, message)
        session.commit()
        return message.id


def link_early_events(session: Session, message: OutboundMessage) -> None:
    """Attach callbacks that arrived before this message's sid was saved, and apply them in order."""
    if not message.provider_id:
        return
    early = session.scalars(
        select(DeliveryEvent)
        .where(DeliveryEvent.provider_id == message.provider_id, DeliveryEvent.outbound_id.is_(None))
        .order_by(DeliveryEvent.received_at, DeliveryEvent.id)
    )
    for event in early:
        event.outbound_id = message.id
        _apply(session, message, event.status, event.error_code)


def _rules_apply(new_status: str, error_code: str | None) -> bool:
    """Whether this callback needs more than a status change (see `_apply`)."""
    return new_status in (OutboundStatus.UNDELIVERED, OutboundStatus.FAILED) or error_code == str(UNSUBSCRIBED)


def _by_sid(session: Session, sid: str) -> OutboundMessage | None:
    return session.scalar(
        select(OutboundMessage).where(OutboundMessage.channel == Channel.SMS, OutboundMessage.provider_id == sid)
    )


def _apply(session: Session, message: OutboundMessage, reported: str, error_code: str | None) -> None:
    new = later_status(message.status, reported)
    if new == message.status:
        return
    message.status = new
    if new in (OutboundStatus.UNDELIVERED, OutboundStatus.FAILED):
        message.last_error = f"twilio error {error_code}" if error_code else f"twilio {reported.lower()}"
        from bot.gateway.outbox import enqueue  # not at the top: the outbox imports the channel registry

        crisis.safety_not_delivered(session, message, enqueue=enqueue)  # a safety text is flagged, not dropped
    if error_code == str(UNSUBSCRIBED):
        address = session.get(ChannelAddress, message.address_id)
        if address is not None:
            opt_out(address)
