"""Every status and kind the application stores, defined once.

The values are the strings already stored in the database, so rows written before these enums
existed stay valid. Each enum is a `str`, so a value read back from the database compares equal
to its member (`row.status == OutboundStatus.QUEUED`) and serialises as its plain value.
Like GOV.UK Notify's constants module: one place to look up what a status can be.
"""

from __future__ import annotations

from enum import Enum


class StoredValue(str, Enum):
    """A value kept in a String column; `str()` and f-strings give the stored value."""

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


class Channel(StoredValue):
    SMS = "sms"
    TELEGRAM = "telegram"
    WEBCHAT = "webchat"


class InboundStatus(StoredValue):
    PENDING = "pending"  # stored, not yet answered
    DONE = "done"  # answered (its text is then cleared)
    FAILED = "failed"  # processing crashed repeatedly; a person was asked to pick it up
    HELD = "held"  # a link worker holds the conversation: kept (with its text) for them, not sent to Rasa


class OutboundStatus(StoredValue):
    """The outbox life cycle. Only moves forward (see `DELIVERY_ORDER`)."""

    QUEUED = "queued"
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the provider says the phone has it (web chat: shown on send)
    UNDELIVERED = "undelivered"  # the provider could not deliver it
    FAILED = "failed"  # we gave up, or it can never be sent
    SUPPRESSED = "suppressed"  # never sent: the person had opted out


# How far along each status is; a later report never moves a message backwards. Of the final
# statuses, a delivery receipt wins over a failure: carriers do report "delivered" after
# "undelivered", and nothing moves a message on from "delivered" (bot/channels/sms_status.py).
DELIVERY_ORDER: dict[str, int] = {
    OutboundStatus.QUEUED: 0,
    OutboundStatus.SENT: 1,
    OutboundStatus.UNDELIVERED: 2,
    OutboundStatus.FAILED: 2,
    OutboundStatus.DELIVERED: 3,
    OutboundStatus.SUPPRESSED: 3,  # final: never handed to a provider
}


class MessageKind(StoredValue):
    """Why an outbound message exists. Decides what may still be sent after an opt-out."""

    REPLY = "reply"  # the dialogue's answer
    HOLDING = "holding"  # "one moment" while the dialogue engine is down
    SAFETY = "safety"  # the crisis safety message
    FOLLOW_UP = "follow_up"  # a scheduled check-in
    SYSTEM = "system"  # opt-out / opt-in confirmations and rate-limit notices
    HUMAN = "human"  # written by a link worker in the console
    ALERT = "alert"  # to the duty contact: an urgent flag was raised out of hours (no details)
    FAREWELL = "farewell"  # the reply to "forget me": once it has gone, the address goes too (bot/policy/erasure.py)


class Precheck(StoredValue):
    """What the checks that never wait for the per-person queue found (inbound_message.precheck)."""

    CLEAR = "clear"  # nothing urgent: the message waits its turn
    CONTROL = "control"  # STOP or START, honoured at once (the message is done)
    RISK = "risk"  # safety reply and urgent flag done; the message is done unless it also asks for something


class GoalStatus(StoredValue):
    OPEN = "open"
    DONE = "done"
    PARTLY = "partly"
    NOT_YET = "not_yet"


class FollowUpStatus(StoredValue):
    """A check-in's life cycle (bot/jobs/followups.py). Only one sender can move a row on."""

    SCHEDULED = "scheduled"  # waiting for its day and hour
    CLAIMED = "claimed"  # one sender is sending it (first text or reminder); expires if it crashes
    SENT = "sent"  # asked; waiting for an answer
    REMINDED = "reminded"  # asked again once; waiting for an answer
    ANSWERED = "answered"
    NO_RESPONSE = "no_response"  # no answer after the reminder: reports count it as such
    CANCELLED = "cancelled"  # STOP, consent withdrawn, forget me, "no more check-ins"


# Still to be sent, or sent and waiting: what a cancellation stops.
FOLLOW_UP_PENDING = (FollowUpStatus.SCHEDULED, FollowUpStatus.CLAIMED, FollowUpStatus.SENT, FollowUpStatus.REMINDED)
# Reached the person (for response rates).
FOLLOW_UP_ASKED = (FollowUpStatus.SENT, FollowUpStatus.REMINDED, FollowUpStatus.ANSWERED, FollowUpStatus.NO_RESPONSE)


class CancelReason(StoredValue):
    OPT_OUT = "opt_out"  # STOP
    CONSENT_WITHDRAWN = "consent_withdrawn"
    ERASURE = "erasure"  # forget me
    PERSON_ASKED = "person_asked"  # "no more check-ins"
    UNREACHABLE = "unreachable"  # no channel address left


class Timepoint(StoredValue):
    """When a wellbeing answer was given."""

    BASELINE = "baseline"  # when the goal with check-ins was set
    FOLLOW_UP = "follow_up"  # at a check-in


class OutcomeKind(StoredValue):
    WELLBEING_START = "wellbeing_start"
    WELLBEING_FOLLOW_UP = "wellbeing_follow_up"
    GOAL_PROGRESS = "goal_progress"


class HandoffReason(StoredValue):
    ASKED = "asked"  # the person asked for a person
    CRISIS = "crisis"
    NOT_UNDERSTOOD = "not_understood"
    NO_MATCH = "no_match"
    WELLBEING = "wellbeing"  # a check-in showed low or falling wellbeing: not urgent


class HandoffStatus(StoredValue):
    """new -> claimed -> in conversation -> handed back to the bot, or closed with an outcome."""

    OPEN = "open"  # new: waiting for a link worker
    CLAIMED = "claimed"  # one worker has it; the bot is paused for the person
    IN_CONVERSATION = "in_conversation"  # the worker has written to the person
    HANDED_BACK = "handed_back"  # finished: the bot answers the person again
    CLOSED = "closed"  # finished with an outcome (HandoffOutcome)


# Handoffs still waiting for or held by a worker; the other two statuses are finished.
HANDOFF_ACTIVE: frozenset[str] = frozenset({HandoffStatus.OPEN, HandoffStatus.CLAIMED, HandoffStatus.IN_CONVERSATION})
# Held by a worker: the bot is paused for the person.
HANDOFF_HELD: frozenset[str] = frozenset({HandoffStatus.CLAIMED, HandoffStatus.IN_CONVERSATION})


class HandoffOutcome(StoredValue):
    """How a link worker closed a handoff."""

    PHONED = "phoned"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    NO_RESPONSE = "no_response"
    SAFEGUARDING_REFERRAL = "safeguarding_referral"


class ConsentPurpose(StoredValue):
    KEEP_DATA = "keep_data"
    FOLLOW_UP = "follow_up"
    SHARE_WITH_LINK_WORKER = "share_with_link_worker"


class Role(StoredValue):
    LINK_WORKER = "link_worker"
    CURATOR = "curator"
    PARTNER = "partner"
    ADMIN = "admin"
