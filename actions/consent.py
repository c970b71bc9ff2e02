"""Recording the consent answer given in the conversation."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import TimedAction, channel_of, db, person_for
from actions.privacy import consent_wording, notice_version
from bot.records.consent import KEEP_DATA, record_consent


def record_keep_answer(tracker: Tracker, domain: dict[str, Any], given: bool) -> None:
    """Record the answer about keeping what they tell us, with the question exactly as they were shown
    it, on this channel. Also used when a no is taken back later (actions/slot_validation.py)."""
    wording = consent_wording(tracker, domain)
    with db() as session:
        person = person_for(session, tracker)
        if person is not None:
            # A "yes" records the notice it answered; a "no" withdraws keeping as "stop keeping" does
            # for the future (what was kept before goes by retention, as for anyone without consent).
            record_consent(session, person, KEEP_DATA, given, wording, channel_of(tracker), notice_version())


class ActionRecordConsent(TimedAction):
    def name(self) -> str:
        return "action_record_consent"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        given = bool(tracker.get_slot("consent_given"))
        record_keep_answer(tracker, domain, given)
        dispatcher.utter_message(response="utter_consent_yes" if given else "utter_consent_no")
        return []
