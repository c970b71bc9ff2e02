"""Getting a person, staying safe, stopping, forgetting, and not being stuck in misunderstanding.

Crisis, opting out and forgetting are rules that cross processes (`bot/policy/`). These actions
ask the gateway to apply them, through a signal in the contract (`bot/dialogue/contract.py`),
so each is done once, in one place, in the same transaction as the turn's replies.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import TimedAction, channel_of, db, person_for, working_hours
from actions.privacy import context_for_link_worker, share_question_due
from actions.slot_validation import NEED_TEXT_MAX
from actions.understanding import read_needs, reply_without_a_need, unsure
from bot.dialogue.contract import Signal, signal_payload, was_answered_for_safety
from bot.policy.erasure import forget_person
from bot.policy.hours import handoff_requested
from bot.records.handoffs import has_open_handoff, request_handoff
from bot.records.people import keep_what_matters
from bot.statuses import HandoffReason
from bot.text.sms_text import to_gsm7

MAX_FALLBACKS = 2


def handoff_already(hours: Any) -> str:
    """For someone already waiting: that they are on the list, and the same hours the first reply gave."""
    when = handoff_requested(hours).rsplit(". ", 1)[-1]  # "They work weekdays, 9 to 5."
    return f"You are on the list: a link worker will get in touch. {when}"


class ActionRequestHuman(TimedAction):
    def name(self) -> str:
        return "action_request_human"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        ask_share = False
        with db() as session:
            person = person_for(session, tracker)
            already = person is not None and has_open_handoff(session, person.id)
            if person is not None:
                # Until they answer the sharing question, what they agreed to keep decides (its words say
                # our team can see it); the answer then replaces it (actions/privacy.ActionRecordShare).
                context = context_for_link_worker(tracker, bool(person.consent_to_keep))
                request_handoff(session, person.id, HandoffReason.ASKED, context=context)
                ask_share = share_question_due(tracker, person.id, session)
        # Asked again ("when will they ring me?"): say when, rather than that we asked again.
        hours = working_hours()
        dispatcher.utter_message(text=handoff_already(hours) if already else handoff_requested(hours))
        events: list[EventType] = [SlotSet("fallback_count", 0)]
        if ask_share:
            # The handoff is made whatever the answer; the question only decides what the worker sees.
            # Rasa runs the form next (an active form comes before any rule), and the form asks it.
            events.append(ActiveLoop("share_form"))
        return events


class ActionCrisis(TimedAction):
    """The NLU's crisis intent, a second net behind the gateway's own check: the gateway sends
    the safety texts and raises the urgent flag (bot/policy/crisis.py), unless it already has."""

    def name(self) -> str:
        return "action_crisis"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(json_message=signal_payload(Signal.CRISIS, intent=intent))
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionForgetMe(TimedAction):
    """Our records go now; Rasa's copy of the conversation is forgotten by the gateway once
    Rasa has finished this turn (bot/policy/erasure.py says why)."""

    def name(self) -> str:
        return "action_forget_me"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        with db() as session:
            person = person_for(session, tracker)
            forget = forget_person(session, person.id, channel_of(tracker)).conversation_ids_to_forget if person else []
        dispatcher.utter_message(response="utter_forgotten")
        if forget:
            dispatcher.utter_message(json_message=signal_payload(Signal.FORGET_CONVERSATIONS, conversation_ids=forget))
        return [ActiveLoop(None), AllSlotsReset()]


class ActionOptOut(TimedAction):
    """'Please stop texting me': the gateway opts the address out and confirms it with the same
    system message as STOP, which the outbox still sends after the opt-out."""

    def name(self) -> str:
        return "action_opt_out"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message=signal_payload(Signal.OPT_OUT))
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


def not_introduced_yet(tracker: Tracker) -> bool:
    """No consent answer yet and neither the introduction nor the consent question in this conversation."""
    if tracker.get_slot("consent_given") is not None:
        return False
    return not any(e.get("event") == "action" and e.get("name") in ("utter_intro", "consent_form")
                   for e in tracker.events or [])


def needs_form_asking(tracker: Tracker, slot: str) -> bool:
    """Whether the person is answering the needs form's question for `slot` ("needs": what would make
    life better?; "location": what is your postcode, or the name of your area?)."""
    return (tracker.active_loop or {}).get("name") == "needs_form" and tracker.get_slot("requested_slot") == slot


def needs_heard_anyway(tracker: Tracker) -> list[dict[str, Any]] | None:
    """While the needs question is open, the slot events for needs our own reading finds in a message
    the model could not place (kept in the person's words, with consent), or None."""
    if not needs_form_asking(tracker, "needs"):
        return None
    text = (tracker.latest_message.get("text") or "").strip()
    if not text or text.startswith("/"):
        return None
    needs = read_needs(text).needs
    if not needs:
        return None
    words = " ".join(to_gsm7(text).split())[:NEED_TEXT_MAX]
    if tracker.get_slot("consent_given"):
        with db() as session:
            person = person_for(session, tracker)
            if person is not None:
                keep_what_matters(session, person, words, needs)
    return [SlotSet("needs", needs), SlotSet("need_text", words), SlotSet("fallback_count", 0)]


# A one-word answer to the consent question, whatever the model made of it ("y" is short enough
# for its confidence to fall under the fallback threshold): the question offers 1 Yes / 2 No.
_CONSENT_ANSWERS = {"y": True, "yes": True, "yeah": True, "yep": True, "yes please": True, "1": True,
                    "n": False, "no": False, "nope": False, "no thanks": False, "2": False}


def consent_answer_anyway(tracker: Tracker) -> list[dict[str, Any]] | None:
    """While the consent question is open, the slot event for a plain yes or no the model could not place."""
    if (tracker.active_loop or {}).get("name") != "consent_form" or tracker.get_slot("requested_slot") != "consent_given":
        return None
    text = " ".join((tracker.latest_message.get("text") or "").lower().strip(" .!").split())
    answer = _CONSENT_ANSWERS.get(text)
    return None if answer is None else [SlotSet("consent_given", answer)]


class ActionFallback(TimedAction):
    """Rephrase once; on the second miss in a row, offer a person instead of guessing again."""

    def name(self) -> str:
        return "action_fallback"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        if not_introduced_yet(tracker):
            # A first message the model could not place ("alright", "who dis") still hears who we
            # are and the consent question, never "Sorry, I did not get that" first.
            dispatcher.utter_message(response="utter_intro")
            return [FollowupAction("consent_form")]
        answered = consent_answer_anyway(tracker)
        if answered is not None:
            return answered  # the consent form goes on as if the model had read it
        heard = needs_heard_anyway(tracker)
        if heard is not None:
            # The model was unsure, but the words name a need ("lost me mam, is there a berevement
            # group"): take it, and the needs form goes on to the next question, with no "Sorry".
            return heard
        if needs_form_asking(tracker, "location") and unsure(tracker.latest_message.get("text") or ""):
            # only "?" to "where are you?": the place question that follows says why we ask
            return [SlotSet("fallback_count", 0)]
        if needs_form_asking(tracker, "needs") and reply_without_a_need(tracker.latest_message.get("text") or ""):
            # "like what?", "its for wor lass": understood well enough; the needs question that
            # follows answers it (actions/asking.py), with no "Sorry, I did not get that" first
            return [SlotSet("fallback_count", 0)]
        if was_answered_for_safety(tracker.latest_message.get("metadata")):
            # The gateway has just sent the safety texts for this message: "Sorry, I did not get
            # that" after them would read as if nobody heard. Say nothing; the next message goes on.
            return [SlotSet("fallback_count", 0)]
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        if count >= MAX_FALLBACKS:
            dispatcher.utter_message(response="utter_offer_person")
            return [SlotSet("fallback_count", 0)]
        dispatcher.utter_message(response="utter_default")
        return [SlotSet("fallback_count", count)]
