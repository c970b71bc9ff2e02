"""The check-in weeks later: did they go, how did it go, and how are they now (ONS4)?

The scheduler names the check-in it is sending (entity follow_up_id), so the check-in quotes
its own goal and every answer is stored against that check-in, never against "the latest goal".
When it did not work, the person is asked why in a word and offered matches that avoid that
reason, or a person. Low or falling wellbeing asks a link worker to get in touch (not urgent).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import TimedAction, db, person_for
from actions.matching import describe
from actions.scores import parse_attended, parse_barrier, parse_goal_progress, parse_score
from actions.wellbeing import Ons4Validation, ons_answers
from bot.models import FollowUp, Goal, Person
from bot.records.consent import KEEP_DATA, active_consent
from bot.records.followups import baseline_values, cancel_check_ins, record_check_in
from bot.records.handoffs import request_handoff
from bot.records.measures import BARRIERS, GAS, ONS4_SLOTS, SKIPPED, wellbeing_flags
from bot.statuses import CancelReason, FollowUpStatus, HandoffReason
from community_directory.geography import outward_centroid
from community_directory.matching import MatchRequest, find_matches

CHECK_IN_SLOTS = ("check_in_id", "attended", "goal_progress", "barrier", "check_in_note", *ONS4_SLOTS)
ANSWERABLE = (FollowUpStatus.CLAIMED, FollowUpStatus.SENT, FollowUpStatus.REMINDED, FollowUpStatus.NO_RESPONSE)
NEARER_MILES = 1.5  # "too far": only what is this close to home
PAGE = 3


def entity(tracker: Tracker, name: str) -> str | None:
    for found in tracker.latest_message.get("entities", []) or []:
        if found.get("entity") == name and found.get("value"):
            return str(found["value"])
    return None


def didnt_work(tracker: Tracker) -> bool:
    """Did not go, or it went less well than hoped: worth asking why."""
    return tracker.get_slot("attended") == "no" or GAS.get(str(tracker.get_slot("goal_progress")), 0) < 0


class ActionCheckIn(TimedAction):
    """Opens the check-in the scheduler is sending, quoting that check-in's own goal."""

    def name(self) -> str:
        return "action_check_in"

    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        follow_up_id = entity(tracker, "follow_up_id") or tracker.get_slot("check_in_id")
        reminder = entity(tracker, "check_in_step") == "reminder"
        goal_text = service = None
        with db() as session:
            follow_up = session.get(FollowUp, follow_up_id) if follow_up_id else None
            goal = session.get(Goal, follow_up.goal_id) if follow_up and follow_up.goal_id else None
            if goal is not None:
                goal_text, service = goal.text, goal.service_name
        if goal_text and reminder:
            dispatcher.utter_message(response="utter_check_in_reminder", goal=goal_text)
        elif goal_text:
            dispatcher.utter_message(response="utter_check_in_goal", goal=goal_text)
        else:
            dispatcher.utter_message(response="utter_check_in_hello")
        fresh = [SlotSet(name, None) for name in CHECK_IN_SLOTS if name != "check_in_id"]
        return [ActiveLoop(None), *fresh, SlotSet("check_in_id", follow_up_id), SlotSet("chosen_service_name", service)]


class ValidateCheckinForm(Ons4Validation, FormValidationAction):
    def name(self) -> str:
        return "validate_checkin_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """Did you go; how it went (only if they went); why (only if it did not work); own words; ONS4."""
        slots = ["attended"]
        if tracker.get_slot("attended") != "no":
            slots.append("goal_progress")
        if didnt_work(tracker):
            slots.append("barrier")
        return slots + ["check_in_note", *ONS4_SLOTS]

    def validate_attended(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        attended = parse_attended(str(value or ""))
        if attended is None:
            dispatcher.utter_message(response="utter_attended_not_understood")
        return {"attended": attended}

    def validate_goal_progress(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        progress = parse_goal_progress(str(value or ""))
        if progress is None:
            dispatcher.utter_message(response="utter_goal_progress_not_understood")
        return {"goal_progress": progress}

    def validate_barrier(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"barrier": parse_barrier(str(value or "")) or "other"}

    def validate_check_in_note(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        skipped = (
            not text
            or text.startswith("/")
            or parse_score(text) == SKIPPED
            or text.lower() in {"no", "nothing", "none", "n"}
        )
        dispatcher.utter_message(response="utter_ons_intro")  # the wellbeing questions come next
        return {"check_in_note": SKIPPED if skipped else text[:500]}


class ActionRecordCheckIn(TimedAction):
    """Stores the answers against this check-in, then thanks, re-matches or asks a link worker in."""

    def name(self) -> str:
        return "action_record_check_in"

    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        answers = ons_answers(tracker)
        attended = {"yes": True, "no": False}.get(str(tracker.get_slot("attended")))
        progress = tracker.get_slot("goal_progress") if attended is not False else "much_worse"
        barrier = tracker.get_slot("barrier") if didnt_work(tracker) else None
        note = tracker.get_slot("check_in_note")
        reset = [SlotSet(name, None) for name in CHECK_IN_SLOTS]
        flags: list[str] = []
        rematch: list[dict[str, Any]] = []
        with db() as session:
            person = person_for(session, tracker)
            follow_up = session.get(FollowUp, tracker.get_slot("check_in_id") or "")
            kept = person is not None and active_consent(session, person.id, KEEP_DATA) is not None
            if (
                person is not None
                and follow_up is not None
                and follow_up.person_id == person.id
                and kept
                and follow_up.status in ANSWERABLE
            ):
                record_check_in(
                    session,
                    follow_up,
                    attended=attended,
                    progress=progress,
                    barrier=barrier,
                    note=note,
                    keep_note=kept,
                    answers=answers,
                )
                known = {k: v for k, v in answers.items() if isinstance(v, int)}
                flags = wellbeing_flags(known, baseline_values(session, follow_up.goal_id))
                goal = session.get(Goal, follow_up.goal_id) if follow_up.goal_id else None
                if flags:
                    request_handoff(
                        session,
                        person.id,
                        HandoffReason.WELLBEING,
                        urgent=False,
                        context={
                            "consent": True,
                            "needs": [goal.need] if goal and goal.need else [],
                            "area": person.postcode_district,
                            "chosen": goal.service_name if goal else None,
                            "wellbeing": flags,
                        },
                    )
                if barrier is not None:
                    rematch = self._rematch(dispatcher, session, person, goal, barrier)
        if not barrier:
            dispatcher.utter_message(response="utter_check_in_thanks")
        if flags:
            dispatcher.utter_message(response="utter_check_in_link_worker")
        return reset + rematch + ([SlotSet("consent_given", True)] if rematch else [])

    def _rematch(
        self, dispatcher: CollectingDispatcher, session: Any, person: Person, goal: Goal | None, barrier: str
    ) -> list[dict[str, Any]]:
        """Matches that avoid what got in the way (too far: nearer; cost: free only), or a person."""
        where = outward_centroid(session, person.postcode_district) if person.postcode_district else None
        needs = [goal.need] if goal and goal.need else []
        person_button = {"title": "Talk to a person", "payload": "/request_human"}
        if not needs or where is None:
            dispatcher.utter_message(response="utter_rematch_person", buttons=[person_button])
            return []
        request = MatchRequest(
            needs=needs,
            lat=where[0],
            lon=where[1],
            max_miles=NEARER_MILES if barrier == "distance" else None,
            free_only=barrier == "cost",
            exclude_ids=[goal.service_id] if goal and goal.service_id else [],
            limit=PAGE,
        )
        matches = find_matches(session, request)
        if not matches:
            dispatcher.utter_message(response="utter_rematch_none", buttons=[person_button])
            return []
        dispatcher.utter_message(response=f"utter_rematch_{barrier}" if barrier in BARRIERS else "utter_rematch_other")
        for n, match in enumerate(matches, start=1):
            dispatcher.utter_message(text=describe(n, match))
        buttons = [
            {"title": m.name[:40], "payload": f'/choose_option{{"number": "{n}"}}'}
            for n, m in enumerate(matches, start=1)
        ]
        dispatcher.utter_message(
            text="Would you like to try one? Reply with a number.", buttons=[*buttons, person_button]
        )
        offered = [
            {"id": m.service_id, "name": m.name, "how_to_join": m.how_to_join, "description": m.description,
             "cost": m.cost, "when": m.when}
            for m in matches
        ]
        return [
            SlotSet("needs", needs),
            SlotSet("lat", where[0]),
            SlotSet("lon", where[1]),
            SlotSet("location", person.postcode_district),
            SlotSet("offered", offered),
            SlotSet("shown_ids", [m.service_id for m in matches]),
            SlotSet("has_matches", True),
            SlotSet("max_miles", request.max_miles),
            SlotSet("cost", "free" if request.free_only else None),
        ]


class ActionStopCheckIns(TimedAction):
    """'No more check-ins': stops them all, without stopping everything as STOP does."""

    def name(self) -> str:
        return "action_stop_check_ins"

    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with db() as session:
            person = person_for(session, tracker)
            if person is not None:
                cancel_check_ins(session, person.id, CancelReason.PERSON_ASKED)
        dispatcher.utter_message(response="utter_check_ins_stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *(SlotSet(name, None) for name in CHECK_IN_SLOTS)]
