"""The goal is kept in the person's own words, made SMS-safe, and read back before it is kept."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.goals import GOAL_MAX_CHARS, ValidateGoalForm, tidy_goal
from actions.matching import wanted_widening


def tracker(text: str, intent: str = "inform_availability", entities: list | None = None, **slots) -> Tracker:
    return Tracker(
        sender_id="t", slots={"chosen_service_name": "Roker Walk and Talk", **slots},
        latest_message={"text": text, "intent": {"name": intent}, "entities": entities or []},
        events=[], paused=False, followup_action=None, active_loop={"name": "goal_form"}, latest_action_name="action_listen",
    )


def validate_text(text: str, intent: str = "inform_availability") -> dict:
    return ValidateGoalForm().validate_goal_text(text, CollectingDispatcher(), tracker(text, intent), {})


def test_own_words_are_kept_for_reading_back():
    assert validate_text("go on tuesdays with my sister") == {"goal_text": "go on tuesdays with my sister"}


def test_ok_takes_the_suggested_goal_without_a_second_question():
    assert validate_text("ok", intent="affirm") == {"goal_text": "go to Roker Walk and Talk", "goal_confirmed": True}


def test_curly_quotes_and_emoji_are_made_sms_safe_and_long_goals_cut_at_a_word():
    assert tidy_goal("\u201cgo\u201d to the group \U0001F600 every week.") == '"go" to the group every week'
    long = tidy_goal("walk " * 60)
    assert len(long) <= GOAL_MAX_CHARS and long.endswith("walk...")


def test_saying_no_to_the_read_back_asks_for_the_goal_again():
    dispatcher = CollectingDispatcher()
    result = ValidateGoalForm().validate_goal_confirmed(False, dispatcher, tracker("no", "deny"), {})
    assert result == {"goal_confirmed": None, "goal_text": None}
    assert dispatcher.messages[0]["response"] == "utter_goal_again"


def test_widening_is_read_from_buttons_and_words():
    assert wanted_widening(tracker("/request_more", "request_more", [{"entity": "widen", "value": "days"}])) == "days"
    assert wanted_widening(tracker("any day is fine", "request_more")) == "days"
    assert wanted_widening(tracker("i can go further", "request_more")) == "distance"
    assert wanted_widening(tracker("more please", "request_more")) is None

