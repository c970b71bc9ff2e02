"""What a link worker sees about one person: the conversation and the context they agreed to share.

Kept apart from the routes so the rules are in one place and tested directly:
- Sharing follows the consent model (bot/records/consent.py): the person's answer to "can the link
  worker see what you told me?" (asked when the handoff is made) decides, and a "no" hides the
  context even if they agreed to keeping it. Only if they were never asked does an active "keep
  data" consent (whose wording says our team can see it) stand in. Without either, the worker sees
  only that the person did not agree, and the conversation itself.
- An urgent crisis handoff always shows what the person wrote: a human must read it.
- Needs are shown in plain words (community_directory's labels), the area as a postcode district.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AuditLog, ChannelAddress, Consent, Goal, Handoff, InboundMessage, OutboundMessage, Outcome, Person
from bot.policy import crisis as crisis_policy
from bot.records.consent import KEEP_DATA, SHARE_WITH_LINK_WORKER, active_consent, standing_answer
from bot.statuses import GoalStatus, HandoffReason, InboundStatus, MessageKind, OutboundStatus, OutcomeKind
from community_directory.needs import NEEDS

NEED_LABELS = {n.key: n.label for n in NEEDS}

DELIVERY_WORDS: dict[str, tuple[str, str]] = {
    OutboundStatus.QUEUED: ("Waiting to send", "grey"),
    OutboundStatus.SENT: ("Sent", "blue"),
    OutboundStatus.DELIVERED: ("Delivered", "green"),
    OutboundStatus.UNDELIVERED: ("Not delivered", "red"),
    OutboundStatus.FAILED: ("Failed", "red"),
    OutboundStatus.SUPPRESSED: ("Not sent: opted out", "orange"),
}
GOAL_WORDS: dict[str, str] = {GoalStatus.OPEN: "Started", GoalStatus.DONE: "Done", GoalStatus.PARTLY: "Partly done",
              GoalStatus.NOT_YET: "Not yet"}
REASON_WORDS: dict[str, str] = {HandoffReason.ASKED: "Asked for a person", HandoffReason.CRISIS: "Safety concern",
                HandoffReason.NOT_UNDERSTOOD: "The bot could not understand",
                HandoffReason.NO_MATCH: "No group matched"}


def aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; everything is stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def out_of_hours(at: datetime) -> bool:
    """Outside the configured working hours (WORKING_DAYS, WORKING_HOURS, bank holidays)."""
    return not crisis_policy.current().hours.is_open(aware(at))


def waited(since: datetime, now: datetime) -> str:
    minutes = max(int((now - aware(since)).total_seconds() // 60), 0)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}" + (f" {rest} min" if rest else "")
    return f"{hours // 24} days"


def district(value: str | None) -> str | None:
    """The outward code only ("SR2 8PN" -> "SR2"): enough to place a group, not a home."""
    if not value:
        return None
    return value.strip().upper().split()[0][:4] if " " in value.strip() else value.strip().upper()[:4]


def needs_in_words(keys: list[str] | None) -> list[str]:
    return [NEED_LABELS.get(k, k.replace("_", " ")) for k in keys or []]


@dataclass
class Shared:
    """The context panel. `agreed` False: nothing but the crisis words (if any) is shown."""

    agreed: bool
    consent_wording: str | None = None
    needs: list[str] = field(default_factory=list)
    area: str | None = None
    chosen: list[str] = field(default_factory=list)
    goals: list[dict[str, Any]] = field(default_factory=list)
    checkins: list[dict[str, Any]] = field(default_factory=list)
    wellbeing: list[dict[str, Any]] = field(default_factory=list)
    their_words: list[str] = field(default_factory=list)  # what raised a crisis (bot/policy/crisis.py keeps it)
    words_despite_no_consent: bool = False
    matches: list[dict[str, Any]] = field(default_factory=list)
    what_matters: str | None = None  # in their own words; kept only with consent (bot/records/people)


def sharing_consent(session: Session, person_id: str) -> Consent | None:
    """The consent that lets a link worker see the context: their sharing answer, else keeping."""
    shared = standing_answer(session, person_id, SHARE_WITH_LINK_WORKER)
    if shared is False:
        return None
    if shared is True:
        return active_consent(session, person_id, SHARE_WITH_LINK_WORKER)
    return active_consent(session, person_id, KEEP_DATA)


def shared_context(session: Session, handoff: Handoff) -> Shared:
    consent = sharing_consent(session, handoff.person_id)
    urgent_crisis = handoff.urgent and handoff.reason == HandoffReason.CRISIS
    kept = [w for w in (handoff.context or {}).get("words") or [] if isinstance(w, str) and w]
    words = kept if (consent or urgent_crisis) else []
    if consent is None:
        return Shared(agreed=False, their_words=words, words_despite_no_consent=bool(words))
    person = session.get(Person, handoff.person_id)
    context = handoff.context or {}
    goals = list(session.scalars(select(Goal).where(Goal.person_id == handoff.person_id).order_by(Goal.created_at)))
    outcomes = list(session.scalars(
        select(Outcome).where(Outcome.person_id == handoff.person_id).order_by(Outcome.recorded_at)))
    goal_text = {g.id: g.text for g in goals}
    chosen = [g.service_name for g in goals if g.service_name]
    if context.get("chosen") and context["chosen"] not in chosen:
        chosen.append(context["chosen"])
    needs = list(context.get("needs") or [])
    needs += [g.need for g in goals if g.need and g.need not in needs]
    return Shared(
        agreed=True, consent_wording=consent.wording, needs=needs_in_words(needs),
        area=district(person.postcode_district if person else None) or district(context.get("area")),
        chosen=chosen,
        goals=[{"text": g.text, "status": GOAL_WORDS.get(g.status, g.status), "service": g.service_name,
                "checkin_on": g.checkin_on, "need": NEED_LABELS.get(g.need or "", g.need)} for g in goals],
        checkins=[{"at": aware(o.recorded_at), "goal": goal_text.get(o.goal_id or ""),
                   "answer": GOAL_WORDS.get(o.value or "", o.value)}
                  for o in outcomes if o.kind == OutcomeKind.GOAL_PROGRESS],
        wellbeing=[{"at": aware(o.recorded_at), "score": o.score,
                    "when": "At the start" if o.kind == OutcomeKind.WELLBEING_START else "At a check-in"}
                   for o in outcomes if o.kind in (OutcomeKind.WELLBEING_START, OutcomeKind.WELLBEING_FOLLOW_UP)],
        their_words=words,
        matches=[m for m in context.get("matches") or [] if isinstance(m, dict)],
        what_matters=person.what_matters if person is not None and person.consent_to_keep else None,
    )


@dataclass(frozen=True)
class Line:
    """One message in the conversation view, oldest first."""

    id: str
    at: datetime
    who: str  # "person", "worker" or "bot"
    author: str | None
    text: str
    status: str | None = None  # the delivery words, for what we sent
    colour: str | None = None


def conversation(session: Session, handoff: Handoff) -> list[Line]:
    """The person's messages since the handoff began and everything we sent them, with honest status.

    What raised a crisis is shown by the same rule as the context panel (`shared_context`).
    """
    address_ids = list(session.scalars(select(ChannelAddress.id).where(ChannelAddress.person_id == handoff.person_id)))
    since = aware(handoff.created_at)
    lines: list[Line] = []
    held_texts = set()
    held = list(session.scalars(
        select(InboundMessage).where(InboundMessage.address_id.in_(address_ids),
                                     InboundMessage.status == InboundStatus.HELD)))
    for inbound in held:
        if aware(inbound.received_at) >= since and inbound.text:
            held_texts.add(inbound.text)
            lines.append(Line(inbound.id, aware(inbound.received_at), "person", None, inbound.text))
    for n, words in enumerate(shared_context(session, handoff).their_words):
        if words not in held_texts:  # a risk message held for the worker is already in the thread
            lines.append(Line(f"words-{handoff.id}-{n}", since, "person", None, words))
    authors = {
        (a.changes or {}).get("outbound_id"): a.actor
        for a in session.scalars(select(AuditLog).where(AuditLog.entity == "handoff", AuditLog.entity_id == handoff.id,
                                                         AuditLog.action == "reply"))
    }
    for out in session.scalars(select(OutboundMessage).where(OutboundMessage.address_id.in_(address_ids))):
        # A crisis reply is written moments before the handoff it opens: show it with the conversation.
        if aware(out.created_at) < since - timedelta(seconds=5) or out.body is None:
            continue
        words, colour = DELIVERY_WORDS.get(out.status, (out.status, "grey"))
        who = "worker" if out.kind == MessageKind.HUMAN else "bot"
        lines.append(Line(out.id, aware(out.created_at), who, authors.get(out.id), out.body, words, colour))
    return sorted(lines, key=lambda line: (line.at, line.who != "person"))
