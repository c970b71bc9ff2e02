"""Filling the needs form: what matters to the person, and where they are.

The NLU entities come first; the keyword list in community_directory.needs is a second net,
so a need the model misses in a long message is still heard.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import db, person_for
from actions.matching import PAGE, build_request, constraint_slots_set, preference_slots_set
from actions.understanding import names_a_kind, read_needs
from bot.records.people import keep_what_matters
from community_directory.matching import find_matches
from community_directory.needs import NEED_KEYS, needs_in_text
from community_directory.places import find_place
from community_directory.preferences import days_turned_down, preferences_in_text
from community_directory.request_text import read_request

ASK_PREFERENCES_ABOVE = PAGE  # only ask when a preference would change what they are shown

# Messages that are about the conversation, not about what matters: "how does this WORK?" is not
# a need for a job, so the keyword net stays out of them.
NOT_ABOUT_NEEDS = frozenset({
    "help", "bot_challenge", "chitchat", "out_of_scope", "request_human", "thanks", "goodbye", "forget_me",
    "crisis", "opt_out", "start_again", "greet", "affirm", "deny",
})
POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.IGNORECASE)
OUTWARD = re.compile(r"^\s*([A-Z]{1,2}\d[A-Z\d]?)\s*$", re.IGNORECASE)


def postcode_in(text: str) -> str | None:
    match = POSTCODE.search(text or "")
    if match:
        return f"{match.group(1).upper()} {match.group(2).upper()}"
    match = OUTWARD.match(text or "")
    return match.group(1).upper() if match else None


class ValidateNeedsForm(FormValidationAction):
    def name(self) -> str:
        return "validate_needs_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        """Needs and place always; "anything I should know?" only when it would change the answer.

        It matters when there are more matches than one page and the person has not already said
        when they are free, what they can pay or how they get about.
        """
        slots = ["needs", "location"]
        if tracker.get_slot("preferences") is not None:
            return slots + ["preferences"]
        if not tracker.get_slot("needs") or tracker.get_slot("lat") is None or preference_slots_set(tracker):
            return slots
        request = build_request(tracker, exclude=[])
        request.limit = ASK_PREFERENCES_ABOVE + 1
        with db() as session:
            many = len(find_matches(session, request)) > ASK_PREFERENCES_ABOVE
        return slots + ["preferences"] if many else slots

    async def extract_needs(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        intent = tracker.latest_message.get("intent", {}).get("name")
        if text.startswith("/") or (intent in NOT_ABOUT_NEEDS and not names_a_kind(text, intent)):
            return {}
        # Read as a whole: "not after a job" drops jobs, "for my dad" is no dads' group.
        entities = [e for e in tracker.latest_message.get("entities", []) if e.get("entity") == "need"]
        heard = read_needs(text, entities)
        current = list(tracker.get_slot("needs") or [])
        needs = heard.needs if entities and heard.needs else heard.apply_to(current)
        return {"needs": needs or None} if needs != current else {}

    async def extract_location(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        postcode = postcode_in(text)
        if postcode:
            return {"location": postcode}
        if tracker.get_slot("requested_slot") == "location" and find_place(text, fuzzy=True):
            return {"location": text}
        return {}

    def validate_needs(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        values = value if isinstance(value, list) else [value]
        # A span the model found but no synonym maps ("paint again") is read by the keyword net.
        mapped = [[v] if v in NEED_KEYS else needs_in_text(str(v or "")) for v in values]
        known = list(dict.fromkeys(k for keys in mapped for k in keys))
        text = tracker.latest_message.get("text") or ""
        if text and not text.startswith("/"):
            # The model hears "dad" as parenting and "job" in "not after a job": the careful reading decides.
            reading = read_request(text)
            dropped = set(reading.excluded_needs) | set(reading.misread_needs)
            known = [k for k in known if k not in dropped] or [k for k in reading.needs if k not in dropped]
        if not known:
            dispatcher.utter_message(response="utter_needs_not_understood")
            return {"needs": None}
        if tracker.get_slot("consent_given"):
            with db() as session:
                person = person_for(session, tracker)
                if person is not None:
                    keep_what_matters(session, person, tracker.get_slot("need_text"), known)
        return {"needs": known}

    def validate_location(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        from community_directory.geography import lookup_postcode

        text = str(value or "")
        postcode = postcode_in(text)
        with db() as session:
            if postcode:
                found = lookup_postcode(session, postcode)
                if found.lat is not None and found.status in ("ok", "outward_only", "terminated"):
                    person = person_for(session, tracker)
                    if person is not None and person.consent_to_keep:
                        person.postcode_district = (found.postcode or postcode).split(" ")[0]
                        person.imd_decile = found.imd_decile
                    return {"location": found.postcode or postcode, "lat": found.lat, "lon": found.lon,
                            "imd_decile": found.imd_decile}
                dispatcher.utter_message(text=found.message or "Sorry, I could not find that postcode. Please check it and send it again.")
                return {"location": None}
        place = find_place(text, fuzzy=True)  # the answer to "where?": "milfield" is Millfield
        if place is not None:
            return {"location": place.name, "lat": place.lat, "lon": place.lon}
        # A place we do not know: the place question that follows says so (actions/asking.py).
        return {"location": None}

    def validate_preferences(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Keep what the model heard, add what the keyword net heard; "no" or nothing usable means no limits."""
        if value == "none":
            return {"preferences": "none"}
        text = tracker.latest_message.get("text") or ""
        heard = preferences_in_text(text)
        slots: dict[str, Any] = {"preferences": "given" if heard.narrows or constraint_slots_set(tracker) else "none"}
        if heard.days and (not tracker.get_slot("days") or days_turned_down(text)):
            slots["days"] = heard.days
        if heard.time_of_day and not tracker.get_slot("time_of_day"):
            slots["time_of_day"] = heard.time_of_day
        if heard.free_only:
            slots["cost"] = "free"
        if heard.access:
            slots["access"] = list(dict.fromkeys(list(tracker.get_slot("access") or []) + heard.access))
        return slots
