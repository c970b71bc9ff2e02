"""Getting a person, staying safe, stopping, forgetting, and not being stuck in misunderstanding."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import TimedAction, channel_of, db, person_for
from bot.gateway.safety import SAFETY_FOLLOW_ON, SAFETY_MESSAGE
from bot.models import utcnow
from bot.records.erasure import erase_person
from bot.records.followups import cancel_check_ins
from bot.records.handoffs import request_handoff
from bot.records.people import addresses_of
from bot.statuses import CancelReason

MAX_FALLBACKS = 2


def shared_context(tracker: Tracker, consent: bool) -> dict[str, Any]:
    """What a link worker may see: needs, area and choice, and only with consent; never message text."""
    if not consent:
        return {"consent": False}
    return {
        "consent": True,
        "needs": tracker.get_slot("needs") or [],
        "area": tracker.get_slot("location"),
        "chosen": tracker.get_slot("chosen_service_name"),
    }


class ActionRequestHuman(TimedAction):
    def name(self) -> str:
        return "action_request_human"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        with db() as session:
            person = person_for(session, tracker)
            if person is not None:
                request_handoff(session, person.id, "asked", context=shared_context(tracker, bool(person.consent_to_keep)))
        dispatcher.utter_message(response="utter_handoff_requested")
        return [SlotSet("fallback_count", 0)]


class ActionCrisis(TimedAction):
    """The NLU's crisis intent: a second net behind the gateway's own check."""

    def name(self) -> str:
        return "action_crisis"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        with db() as session:
            person = person_for(session, tracker)
            if person is not None:
                request_handoff(session, person.id, "crisis", urgent=True, context={"source": "nlu"})
        dispatcher.utter_message(text=SAFETY_MESSAGE)
        dispatcher.utter_message(text=SAFETY_FOLLOW_ON)
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionForgetMe(TimedAction):
    def name(self) -> str:
        return "action_forget_me"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        with db() as session:
            person = person_for(session, tracker)
            if person is not None:
                erase_person(session, person.id, channel_of(tracker))
        dispatcher.utter_message(response="utter_forgotten")
        return [ActiveLoop(None), AllSlotsReset()]


class ActionOptOut(TimedAction):
    def name(self) -> str:
        return "action_opt_out"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        channel = channel_of(tracker)
        with db() as session:
            person = person_for(session, tracker)
            if person is not None:
                for address in addresses_of(session, person.id):
                    if address.channel == channel:
                        address.opted_out, address.opted_out_at = True, utcnow()
                cancel_check_ins(session, person.id, CancelReason.OPT_OUT)
        dispatcher.utter_message(response="utter_opted_out")
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionFallback(TimedAction):
    """Rephrase once; on the second miss in a row, offer a person instead of guessing again."""

    def name(self) -> str:
        return "action_fallback"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        if count >= MAX_FALLBACKS:
            dispatcher.utter_message(response="utter_offer_person")
            return [SlotSet("fallback_count", 0)]
        dispatcher.utter_message(response="utter_default")
        return [SlotSet("fallback_count", count)]
