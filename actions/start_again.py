"""Starting again: forget this search, keep the consent answer, and ask what matters once more."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.check_in import CHECK_IN_SLOTS
from actions.common import TimedAction

# Everything about the current search and goal; consent_given stays, since it was their answer
# and is already on record (saying "forget me" is how to take it back).
SEARCH_SLOTS = (
    "needs", "location", "lat", "lon", "imd_decile", "days", "time_of_day", "cost", "access", "age_group",
    "language", "number", "shown_ids", "refused_ids", "offered", "has_matches", "chosen_service_id", "chosen_service_name",
    "checkin_period", "goal_text", "goal_confirmed", "preferences", "max_miles", *CHECK_IN_SLOTS, "requested_slot",
)


class ActionStartAgain(TimedAction):
    def name(self) -> str:
        return "action_start_again"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_start_again")
        events: list[dict[str, Any]] = [ActiveLoop(None)] + [SlotSet(name, None) for name in SEARCH_SLOTS]
        events.append(SlotSet("fallback_count", 0))
        # Someone who never answered the consent question is asked it again, not skipped past it.
        next_step = "needs_form" if tracker.get_slot("consent_given") is not None else "consent_form"
        return events + [FollowupAction(next_step)]
