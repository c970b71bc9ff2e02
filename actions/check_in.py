"""The check-in weeks later: did they go, and how are they now? This is where outcomes come from."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import TimedAction, db, person_for
from actions.goals import validate_score
from actions.scores import parse_progress
from bot.models import FollowUp, utcnow
from bot.records.goals import latest_goal, record_outcome

PROGRESS = {"done", "partly", "not_yet"}


class ActionCheckIn(TimedAction):
    def name(self) -> str:
        return "action_check_in"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        with db() as session:
            person = person_for(session, tracker)
            goal = latest_goal(session, person.id) if person else None
            name = goal.service_name if goal else None
            goal_text = goal.text if goal else None
        if goal_text:
            dispatcher.utter_message(response="utter_check_in_goal", goal=goal_text)
        else:
            dispatcher.utter_message(response="utter_check_in_hello")
        return [SlotSet("progress", None), SlotSet("wellbeing_score", None), SlotSet("chosen_service_name", name)]


class ValidateCheckinForm(FormValidationAction):
    def name(self) -> str:
        return "validate_checkin_form"

    def validate_progress(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value in PROGRESS:
            return {"progress": value}
        return {"progress": parse_progress(str(value or ""))}

    def validate_wellbeing_score(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return validate_score(value, dispatcher, tracker)


class ActionRecordCheckIn(TimedAction):
    def name(self) -> str:
        return "action_record_check_in"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        progress = tracker.get_slot("progress")
        score = tracker.get_slot("wellbeing_score")
        with db() as session:
            person = person_for(session, tracker)
            if person is not None and person.consent_to_keep:
                goal = latest_goal(session, person.id)
                record_outcome(session, person, "goal_progress", value=progress, goal=goal)
                if score and score != "skip":
                    record_outcome(session, person, "wellbeing_follow_up", score=int(score), goal=goal)
                for follow_up in session.query(FollowUp).filter_by(person_id=person.id, status="sent"):
                    follow_up.status = "answered"
        dispatcher.utter_message(response="utter_check_in_thanks")
        return [SlotSet("progress", None), SlotSet("wellbeing_score", None)]
