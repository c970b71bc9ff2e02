"""Recording the consent answer given in the conversation."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import TimedAction, channel_of, db, person_for, response_text
from bot.records.consent import KEEP_DATA, record_consent


class ActionRecordConsent(TimedAction):
    def name(self) -> str:
        return "action_record_consent"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        given = bool(tracker.get_slot("consent_given"))
        with db() as session:
            person = person_for(session, tracker)
            if person is not None:
                record_consent(session, person, KEEP_DATA, given, response_text(domain, "utter_ask_consent_given"), channel_of(tracker))
        dispatcher.utter_message(response="utter_consent_yes" if given else "utter_consent_no")
        return []
