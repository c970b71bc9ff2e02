"""The goal a person sets in their own words, read back to them, and the check-in they agree to."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import TimedAction, channel_of, db, follow_up_policy, person_for, response_text
from actions.corrections import is_correction, option_meant
from actions.scores import parse_period
from actions.understanding import known_needs
from actions.wellbeing import Ons4Validation, ons_answers
from bot.records.consent import FOLLOW_UP, KEEP_DATA, active_consent, record_consent
from bot.records.followups import record_baseline, schedule_series
from bot.records.goals import CHECKIN_PERIODS, create_goal
from bot.records.measures import ONS4_SLOTS
from bot.text.sms_text import to_gsm7
from community_directory.matching import record_referral

PERIOD_WORDS = {"1_week": "in a week", "2_weeks": "in 2 weeks", "1_month": "in a month"}
GOAL_MAX_CHARS = 100  # so the read-back still fits one SMS
_DANGLING = frozenset({"and", "then", "but", "or", "with", "to", "the", "a", "an", "at", "of", "for", "my"})
_CLAUSE_BREAK = re.compile(r"[.,;]\s| (?:and then|then|but|and) ")
_KEEP_SUGGESTED = re.compile(r"^\s*(ok(ay)?|yes|yeah|yep|fine|that'?s fine|sounds good|go on|sure|y)\s*[.!]*\s*$", re.I)


def suggested_goal(tracker: Tracker) -> str:
    return f"go to {tracker.get_slot('chosen_service_name') or 'the group'}"


def tidy_goal(text: str) -> str:
    """The person's words, kept as typed but SMS-safe and short enough to read back."""
    text = " ".join(to_gsm7(text).split()).strip(" .")
    if len(text) <= GOAL_MAX_CHARS:
        return text
    head = text[: GOAL_MAX_CHARS - 3]
    # Prefer the end of a clause ("go every week with my sister, then..."), else a whole word.
    clause = max((m.start() for m in _CLAUSE_BREAK.finditer(head)), default=-1)
    if clause >= GOAL_MAX_CHARS // 2:
        return _trim_end(head[:clause]) + "..."
    if " " in head:
        return _trim_end(head.rsplit(" ", 1)[0]) + "..."
    return head  # one unbroken word: nothing better to cut at


def _trim_end(text: str) -> str:
    """No dangling "and", "then" or comma before the ellipsis."""
    words = text.rstrip(" ,;.").split(" ")
    while len(words) > 3 and words[-1].lower().strip(",;.") in _DANGLING:
        words.pop()
    return " ".join(words).rstrip(" ,;.")


class ValidateGoalForm(Ons4Validation, FormValidationAction):
    def name(self) -> str:
        return "validate_goal_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        """The starting ONS4 only when check-ins were agreed: without one it could never be compared."""
        slots = ["goal_text", "goal_confirmed", "checkin_period"]
        if tracker.get_slot("checkin_period") in CHECKIN_PERIODS:
            slots += list(ONS4_SLOTS)
        return slots

    def validate_goal_text(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = str(value or "")
        if text.startswith("/"):  # a button press, not words
            return {"goal_text": None}
        if is_correction(text):  # "actually no i meant the debt one": a change of choice, not a goal
            switched = switch_choice(dispatcher, tracker, text)
            if switched is not None:
                return switched
        short_yes = tracker.latest_message.get("intent", {}).get("name") == "affirm" and len(text) < 20
        if _KEEP_SUGGESTED.match(text) or short_yes:
            # They took the suggested wording: nothing new to read back.
            return {"goal_text": suggested_goal(tracker), "goal_confirmed": True}
        goal = tidy_goal(text)
        if len(goal) < 3:
            return {"goal_text": None}
        return {"goal_text": goal}

    def validate_goal_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is True:
            return {"goal_confirmed": True}
        dispatcher.utter_message(response="utter_goal_again")
        return {"goal_confirmed": None, "goal_text": None}

    def validate_checkin_period(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        period = value if value in CHECKIN_PERIODS or value == "none" else parse_period(str(value or ""))
        if period is None:
            # The model's span may be a fragment ("week on"): read the whole message too.
            period = parse_period(tracker.latest_message.get("text") or "")
        if period in CHECKIN_PERIODS:
            dispatcher.utter_message(response="utter_ons_intro")  # the starting wellbeing questions come next
        return {"checkin_period": period}


def switch_choice(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> dict[str, Any] | None:
    """Move the choice to the offered option the correction points at, then ask the goal for it."""
    option = option_meant(tracker, text)
    if option is None:
        return None
    with db() as session:
        record_referral(session, option["id"])
    dispatcher.utter_message(text=f"OK, {option['name']} then. {option.get('how_to_join') or ''}".strip())
    return {"goal_text": None, "chosen_service_id": option["id"], "chosen_service_name": option["name"]}


class ActionSaveGoal(TimedAction):
    def name(self) -> str:
        return "action_save_goal"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        service_name = tracker.get_slot("chosen_service_name")
        goal_text = tracker.get_slot("goal_text") or suggested_goal(tracker)
        period = tracker.get_slot("checkin_period")
        needs = tracker.get_slot("needs") or []
        reset = [SlotSet(name, None) for name in ("checkin_period", "goal_text", "goal_confirmed", *ONS4_SLOTS)]
        with db() as session:
            person = person_for(session, tracker)
            keep = active_consent(session, person.id, KEEP_DATA) if person else None
            if person is None or keep is None:
                dispatcher.utter_message(response="utter_chosen_no_consent")
                return reset
            goal = create_goal(
                session, person, keep, goal_text, need=next(iter(known_needs(needs)), None),
                service_id=tracker.get_slot("chosen_service_id"), service_name=service_name,
            )
            wants_checkin = period in CHECKIN_PERIODS
            follow = record_consent(
                session, person, FOLLOW_UP, wants_checkin, response_text(domain, "utter_ask_checkin_period"), channel_of(tracker)
            )
            if wants_checkin:
                schedule_series(session, goal, follow, period, policy=follow_up_policy())
                record_baseline(session, person, goal, ons_answers(tracker))
        if wants_checkin:
            dispatcher.utter_message(response="utter_goal_saved_checkin", goal=goal_text, when=PERIOD_WORDS[period])
        else:
            dispatcher.utter_message(response="utter_goal_saved", goal=goal_text)
        return reset
