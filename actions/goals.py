"""Saving the goal a person chose, and the check-in they agreed to."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import TimedAction, channel_of, db, person_for, response_text
from actions.scores import parse_score
from bot.records.consent import FOLLOW_UP, KEEP_DATA, active_consent, record_consent
from bot.records.goals import CHECKIN_PERIODS, create_goal, record_outcome, schedule_check_in

PERIOD_WORDS = {"1_week": "in a week", "2_weeks": "in 2 weeks", "1_month": "in a month"}


class ValidateGoalForm(FormValidationAction):
    def name(self) -> str:
        return "validate_goal_form"

    def validate_checkin_period(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value in CHECKIN_PERIODS or value == "none":
            return {"checkin_period": value}
        return {"checkin_period": None}

    def validate_wellbeing_score(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return validate_score(value, dispatcher, tracker)


def validate_score(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    score = parse_score(value, tracker.latest_message.get("text") or "")
    if score is None:
        dispatcher.utter_message(response="utter_score_not_understood")
        return {"wellbeing_score": None}
    return {"wellbeing_score": str(score)}


class ActionSaveGoal(TimedAction):
    def name(self) -> str:
        return "action_save_goal"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        service_name = tracker.get_slot("chosen_service_name")
        period = tracker.get_slot("checkin_period")
        needs = tracker.get_slot("needs") or []
        with db() as session:
            person = person_for(session, tracker)
            keep = active_consent(session, person.id, KEEP_DATA) if person else None
            if person is None or keep is None:
                dispatcher.utter_message(response="utter_chosen_no_consent")
                return []
            goal = create_goal(
                session, person, keep, f"Go to {service_name}", need=needs[0] if needs else None,
                service_id=tracker.get_slot("chosen_service_id"), service_name=service_name,
            )
            wants_checkin = period in CHECKIN_PERIODS
            follow = record_consent(
                session, person, FOLLOW_UP, wants_checkin, response_text(domain, "utter_ask_checkin_period"), channel_of(tracker)
            )
            if wants_checkin:
                schedule_check_in(session, goal, follow, period)
            score = tracker.get_slot("wellbeing_score")
            if score and score != "skip":
                record_outcome(session, person, "wellbeing_start", score=int(score), goal=goal)
        if wants_checkin:
            dispatcher.utter_message(text=f"Your goal: go to {service_name}. I will text you {PERIOD_WORDS[period]} to see how it went.")
        else:
            dispatcher.utter_message(text=f"Your goal: go to {service_name}. Good luck.")
        return [SlotSet("checkin_period", None), SlotSet("wellbeing_score", None)]
