"""What people can say about their own details: what we keep, stop keeping it, a changed notice,
and what a link worker may see. The rules are in bot/records/consent.py and bot/records/kept.py;
these actions only ask, record the answer and say plainly what happens next.

- "What do you keep about me?": counted from their records, in plain words.
- "Stop keeping my details": keeping is withdrawn (not erased: "forget me" does that).
- A changed privacy notice: the gateway starts `EXTERNAL_notice_changed` after a turn of someone
  whose "yes" answered an older notice; one question, then the form they were in carries on.
- Sharing with a link worker: asked when a person asks for one; a "no" still makes the handoff.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.asking import AskAgain, wording
from actions.common import TimedAction, channel_of, db, person_for, response_text
from actions.understanding import asks_what_there_is
from bot.config import load_settings
from bot.records.consent import (
    KEEP_DATA,
    SHARE_WITH_LINK_WORKER,
    Withdrawn,
    notice_due,
    record_consent,
    standing_answer,
    stop_keeping,
)
from bot.records.handoffs import active_handoff
from bot.records.kept import Kept, kept_about

NOTICE_INTENT = "EXTERNAL_notice_changed"  # started by the gateway (bot/gateway/processor.py), never typed
RESUMABLE = ("needs_form", "goal_form", "checkin_form")  # forms a notice question may interrupt
GOAL_SLOTS = ("goal_text", "goal_confirmed", "checkin_period")


@lru_cache(maxsize=1)
def notice_version() -> str:
    """PRIVACY_NOTICE_VERSION, read on first use (as every action setting is)."""
    return load_settings().privacy_notice_version


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else f"{n} {many}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def what_we_keep_text(kept: Kept) -> str:
    """The plain answer: what their records hold, then how to delete it all."""
    items: list[str] = []
    if kept.goals:
        items.append(_plural(kept.goals, "your goal", "goals"))
    if kept.what_matters:
        items.append("what matters to you")
    if kept.area:
        items.append(f"your area ({kept.area})")
    if kept.scores:
        items.append(_plural(kept.scores, "1 wellbeing score", "wellbeing scores"))
    if kept.progress:
        items.append("how your goals went" if kept.goals > 1 else "how your goal went")
    if kept.check_ins_planned:
        items.append("when to check in")
    if kept.handoffs:
        items.append("that you asked for a link worker")
    if kept.notes:
        items.append("notes from a link worker")
    if kept.held_messages:
        items.append("your texts to the link worker")
    if kept.answers:
        items.append("your yes or no answers")
    items.append("how to reach you")
    start = "I keep: " if kept.consent_to_keep else "You did not say I can keep your details. I only keep: "
    return f"{start}{_join(items)}. Text FORGET ME to delete it all."


def stopped_text(gone: Withdrawn) -> str:
    """What 'stop keeping my details' did and what happens next, in plain words."""
    deleted: list[str] = []
    if gone.goals:
        deleted.append(_plural(gone.goals, "your goal", "goals"))
    if gone.scores:
        deleted.append(_plural(gone.scores, "1 score", "scores"))
    said = f"I have deleted {_join(deleted)}. " if deleted else ""
    return (f"OK, I will not keep your details now. {said}I only keep that you said so, and any safety notes. "
            "I can still help. Text FORGET ME to delete it all.")


def _loop(tracker: Tracker) -> str | None:
    return (tracker.active_loop or {}).get("name")


class ActionWhatWeKeep(TimedAction):
    def name(self) -> str:
        return "action_what_we_keep"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        if (tracker.active_loop or {}).get("name") == "needs_form" and tracker.get_slot("requested_slot") == "needs" \
                and asks_what_there_is(tracker.latest_message.get("text") or ""):
            return []  # "what have you got like?" to "what would help?": what is on, asked by the needs question
        with db() as session:
            person = person_for(session, tracker)
            kept = kept_about(session, person) if person is not None else Kept(consent_to_keep=False)
        dispatcher.utter_message(text=what_we_keep_text(kept))
        return []


class ActionStopKeeping(TimedAction):
    """Withdraws keeping without erasing; the journey carries on without consent."""

    def name(self) -> str:
        return "action_stop_keeping"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        gone = Withdrawn(0, 0, 0)
        with db() as session:
            person = person_for(session, tracker)
            if person is not None:
                words = tracker.latest_message.get("text") or "stop keeping my details"
                gone = stop_keeping(session, person, f"Said: {words[:200]}", channel_of(tracker), notice_version())
        dispatcher.utter_message(text=stopped_text(gone))
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("consent_given", False),
                SlotSet("share_consent", None), *(SlotSet(s, None) for s in GOAL_SLOTS)]


def mark_notice_asked(tracker: Tracker) -> None:
    """So the gateway does not start the question again while this one waits for an answer."""
    with db() as session:
        person = person_for(session, tracker)
        if person is not None:
            person.notice_asked_version = notice_version()


def consent_wording(tracker: Tracker, domain: dict[str, Any]) -> str:
    """The consent question exactly as this person was shown it (the changed-notice wording or not)."""
    with db() as session:
        person = person_for(session, tracker)
        changed = person is not None and notice_due(session, person.id, notice_version())
    return response_text(domain, "utter_ask_consent_given_notice" if changed else "utter_ask_consent_given")


class ActionNoticeChanged(TimedAction):
    """Asks about the changed notice now, remembering which form to carry on with afterwards."""

    def name(self) -> str:
        return "action_notice_changed"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        mark_notice_asked(tracker)
        loop = _loop(tracker)
        # The rules then start notice_form, which asks (as start_again ends a form before the next).
        return [SlotSet("resume_loop", loop if loop in RESUMABLE else None), ActiveLoop(None),
                SlotSet("requested_slot", None)]


class ActionRecordNotice(TimedAction):
    """Records the answer to the changed notice, then the conversation carries on where it was."""

    def name(self) -> str:
        return "action_record_notice"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        given = bool(tracker.get_slot("notice_consent"))
        resume = tracker.get_slot("resume_loop")
        gone = Withdrawn(0, 0, 0)
        with db() as session:
            person = person_for(session, tracker)
            if person is not None and given:
                record_consent(session, person, KEEP_DATA, True, response_text(domain, "utter_ask_notice_consent"),
                               channel_of(tracker), notice_version())
            elif person is not None:
                gone = stop_keeping(session, person, response_text(domain, "utter_ask_notice_consent"),
                                    channel_of(tracker), notice_version())
        if given:
            dispatcher.utter_message(response="utter_notice_yes")
        else:
            dispatcher.utter_message(text=stopped_text(gone))
        events: list[dict[str, Any]] = [SlotSet("notice_consent", None), SlotSet("resume_loop", None),
                                        SlotSet("consent_given", given)]
        if resume in RESUMABLE and (given or resume == "needs_form"):
            events.append(FollowupAction(resume))  # a goal cannot be kept after a no: that form is not resumed
        elif not given:
            events += [SlotSet(s, None) for s in GOAL_SLOTS]
        return events


class AskConsentGiven(AskAgain):
    """The consent question; to someone whose 'yes' answered an older notice, says it changed."""

    slot = "consent_given"

    def name(self) -> str:
        return "action_ask_consent_given"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        with db() as session:
            person = person_for(session, tracker)
            changed = person is not None and notice_due(session, person.id, notice_version())
            if changed and person is not None:
                person.notice_asked_version = notice_version()
        if changed:
            dispatcher.utter_message(response="utter_ask_consent_given_notice")
            return []
        dispatcher.utter_message(response=wording(tracker, domain, self.slot))
        return []


def context_for_link_worker(tracker: Tracker, consent: bool) -> dict[str, Any]:
    """What a link worker may see: needs, area and choice, and only with consent; never message text.

    Built here, beside the sharing question whose answer decides it; the console reads it back
    (bot/console/casefile.shared_context)."""
    if not consent:
        return {"consent": False}
    return {
        "consent": True,
        "needs": tracker.get_slot("needs") or [],
        "area": tracker.get_slot("location"),
        "chosen": tracker.get_slot("chosen_service_name"),
        # What the bot offered and why, in the matcher's words (never the resident's).
        "matches": [{"name": o.get("name"),
                     "reasons": list(o.get("reasons") or ([o["why"]] if o.get("why") else []))}
                    for o in tracker.get_slot("offered") or [] if isinstance(o, dict) and o.get("name")],
    }


def share_question_due(tracker: Tracker, person_id: str, session: Any) -> bool:
    """Asked when a handoff is made, outside other forms, unless they have already answered."""
    return _loop(tracker) is None and standing_answer(session, person_id, SHARE_WITH_LINK_WORKER) is None


class ActionRecordShare(TimedAction):
    """The answer about what a link worker may see; the handoff stands either way."""

    def name(self) -> str:
        return "action_record_share"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        given = bool(tracker.get_slot("share_consent"))
        with db() as session:
            person = person_for(session, tracker)
            if person is not None:
                record_consent(session, person, SHARE_WITH_LINK_WORKER, given,
                               response_text(domain, "utter_ask_share_consent"), channel_of(tracker), notice_version())
                handoff = active_handoff(session, person.id)
                if handoff is not None:
                    words = (handoff.context or {}).get("words")
                    context = context_for_link_worker(tracker, given)
                    handoff.context = {**context, **({"words": words} if words else {})}
        dispatcher.utter_message(response="utter_share_yes" if given else "utter_share_no")
        return []
