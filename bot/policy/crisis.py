"""The crisis response: what happens when a message shows risk to life or immediate danger.

One response, whoever noticed the risk (the gateway's own check, which works with Rasa down, or
the dialogue's `crisis` intent, which reaches the gateway as a contract signal):
1. The safety texts go to the person, wherever the channel allows it. An SMS number that opted
   out may not be texted again (carrier rules); then the flag says no reply could be sent.
2. An urgent flag is raised for a link worker, with what the person wrote: a human must read it.
3. Out of working hours, the duty contact is alerted through the same outbox, with no details.
Safety texts that cannot be delivered are never given up silently (`safety_not_delivered`).

The detector itself is not here: `assess_risk` calls `bot.risk.assess` (reviewed lexicon plus
classifier), so the gateway and the actions judge a message alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ChannelAddress, Handoff, OutboundMessage, utcnow
from bot.policy.hours import WorkingHours
from bot.policy.opt_out import may_send
from bot.records.handoffs import request_handoff
from bot.records.people import get_or_create_address
from bot.risk import RiskAssessment
from bot.statuses import HANDOFF_ACTIVE, HandoffReason, MessageKind

if TYPE_CHECKING:
    from bot.config import Settings

# -- texts (short, GSM-7, one SMS each: tests/test_responses.py) ------------------------------------
SAFETY_MESSAGE = (
    "If you are in danger now, call 999. Samaritans are free day and night on 116 123. "
    "Or text SHOUT to 85258. For health advice call 111."
)
SEEN_TODAY = "I have asked a link worker to get in touch. A link worker will see this today."
SEEN_LATER = (
    "I have asked a link worker to get in touch. They will see this {when}. Samaritans are there now on 116 123."
)
DUTY_ALERT = "Community Connect: an urgent flag is up. Please look at the console now."
# What the flag says (read by link workers in the console, not sent by text).
NOT_SENT_OPTED_OUT = "No safety reply was sent: this number has opted out of texts. Please contact them another way."
NOT_DELIVERED = "The safety reply could not be delivered. Please contact them another way."

WORDS_KEPT = 10  # the latest messages kept on an open flag
WORDS_MAX_CHARS = 1600


def follow_on(hours: WorkingHours, now: datetime) -> str:
    """The second safety text: says honestly when a link worker will see the flag."""
    when = hours.when_seen(now)
    return SEEN_TODAY if when == "today" else SEEN_LATER.format(when=when)


# -- configuration ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CrisisConfig:
    hours: WorkingHours = field(default_factory=WorkingHours)
    duty_contact: tuple[str, str] | None = None  # (channel, address) alerted out of hours
    undelivered_after: timedelta = timedelta(minutes=10)  # a safety text failing this long is flagged

    @classmethod
    def from_settings(cls, settings: Settings) -> CrisisConfig:
        hours = WorkingHours.from_settings(settings)
        duty: tuple[str, str] | None = None
        if settings.duty_contact:  # "channel:address", checked by bot/config.py
            channel, address = settings.duty_contact.split(":", 1)
            duty = (channel, address)
        return cls(hours, duty, timedelta(seconds=settings.safety_alert_after_seconds))


_config = CrisisConfig()


def configure(config: CrisisConfig) -> None:
    """Set by the app at start-up. Module-level because delivery reports reach this module from
    channel routes and the outbox, which should not each carry the working hours around."""
    global _config
    _config = config


def current() -> CrisisConfig:
    return _config


# -- assessing --------------------------------------------------------------------------------------
# The detector (reviewed lexicon + classifier) lives in bot/risk; this is the one place the
# rules that cross processes call it, so the gateway and the actions judge a message alike.


def assess_risk(text: str) -> RiskAssessment:
    """Does this message show risk to life or immediate danger (and does it also ask for something)?"""
    from bot.risk import assess

    return assess(text or "")


# -- responding -------------------------------------------------------------------------------------
class Enqueue(Protocol):
    """The outbox's `enqueue` (passed in, so this module does not depend on the gateway)."""

    def __call__(self, session: Session, address: ChannelAddress, body: str, *, kind: str = ...,
                 in_reply_to: str | None = ...) -> OutboundMessage: ...


def respond_to_risk(
    session: Session, address: ChannelAddress, words: str, assessment: RiskAssessment, *, enqueue: Enqueue,
    source: str, in_reply_to: str | None = None, config: CrisisConfig | None = None, now: datetime | None = None,
) -> Handoff:
    """Safety texts where the channel allows, and an urgent flag with the person's words."""
    config, now = config or current(), now or utcnow()
    reply_allowed = may_send(address, MessageKind.SAFETY)
    if reply_allowed:
        enqueue(session, address, SAFETY_MESSAGE, kind=MessageKind.SAFETY, in_reply_to=in_reply_to)
        enqueue(session, address, follow_on(config.hours, now), kind=MessageKind.SAFETY, in_reply_to=in_reply_to)
    context: dict[str, Any] = {
        "crisis_kind": assessment.category, "source": source, "channel": address.channel,
        "safety_reply_sent": reply_allowed, "words": [words[:WORDS_MAX_CHARS]] if words else [],
    }
    warnings = [] if reply_allowed else [NOT_SENT_OPTED_OUT]
    return raise_urgent_flag(session, address.person_id, context, warnings=warnings, enqueue=enqueue, config=config,
                             now=now)


def raise_urgent_flag(
    session: Session, person_id: str, context: dict[str, Any], *, enqueue: Enqueue, warnings: list[str] | None = None,
    config: CrisisConfig | None = None, now: datetime | None = None,
) -> Handoff:
    """Open (or make urgent) the person's flag; out of hours, alert the duty contact once per flag."""
    config, now = config or current(), now or utcnow()
    open_one = session.scalar(
        select(Handoff).where(Handoff.person_id == person_id, Handoff.status.in_(HANDOFF_ACTIVE)))
    was_urgent = open_one is not None and open_one.urgent
    old = (open_one.context or {}) if open_one is not None else {}
    merged = dict(context)
    merged["words"] = [*old.get("words", []), *context.get("words", [])][-WORDS_KEPT:]
    merged["warnings"] = list(dict.fromkeys([*old.get("warnings", []), *(warnings or [])]))
    handoff = request_handoff(session, person_id, HandoffReason.CRISIS, urgent=True, context=merged)
    if not was_urgent and config.duty_contact and not config.hours.is_open(now):
        duty = get_or_create_address(session, *config.duty_contact)
        enqueue(session, duty, DUTY_ALERT, kind=MessageKind.ALERT)
    return handoff


def safety_not_delivered(session: Session, message: OutboundMessage, *, enqueue: Enqueue,
                         config: CrisisConfig | None = None, now: datetime | None = None) -> Handoff | None:
    """A safety text could not be delivered (failing too long, refused, or reported undelivered):
    flag it, once per message. Other kinds are not flagged."""
    if message.kind != MessageKind.SAFETY or message.escalated_at is not None:
        return None
    address = session.get(ChannelAddress, message.address_id)
    if address is None:
        return None
    now = now or utcnow()
    message.escalated_at = now
    context = {"safety_reply_sent": False, "channel": address.channel}
    return raise_urgent_flag(session, address.person_id, context, warnings=[NOT_DELIVERED], enqueue=enqueue,
                             config=config, now=now)


def failing_too_long(message: OutboundMessage, config: CrisisConfig | None = None, now: datetime | None = None) -> bool:
    """Has this safety text been failing for longer than the configured time?"""
    config, now = config or current(), now or utcnow()
    created = message.created_at if message.created_at.tzinfo else message.created_at.replace(tzinfo=now.tzinfo)
    return now - created >= config.undelivered_after
