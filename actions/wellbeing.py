"""The ONS4 questions, shared by the goal form (baseline) and the check-in form (follow-up).

One slot per item (bot/records/measures.py), each read with `parse_score` ("7", "about a six",
"skip"), so every form that asks them validates them the same way.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.scores import parse_score
from bot.records.measures import ONS4_ITEMS, ONS4_SLOTS, SKIPPED


def _validator(slot: str) -> Any:
    def validate(
        self: Any, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        score = parse_score(value, tracker.latest_message.get("text") or "")
        if score is None:
            dispatcher.utter_message(response="utter_score_not_understood")
            return {slot: None}
        return {slot: str(score)}

    validate.__name__ = f"validate_{slot}"
    validate.__doc__ = f"0-10 or skip for {slot}; anything else asks again."
    return validate


class Ons4Validation:
    """Mixed into a FormValidationAction: a `validate_<slot>` for each ONS4 slot."""


for _slot in ONS4_SLOTS:
    setattr(Ons4Validation, f"validate_{_slot}", _validator(_slot))


def ons_answers(tracker: Tracker) -> dict[str, int | str | None]:
    """The ONS4 answers in the slots: 0-10, "skip", or None when not asked."""
    answers: dict[str, int | str | None] = {}
    for item in ONS4_ITEMS:
        raw = tracker.get_slot(item.slot)
        answers[item.key] = None if raw is None else SKIPPED if raw == SKIPPED else int(raw)
    return answers
