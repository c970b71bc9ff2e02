"""Asking a form's question again without repeating it word for word.

When a question was not answered, the same words a second time feel like a machine stuck in a
loop. Each form question has a second, shorter wording (`utter_ask_<slot>_again`); Rasa runs
`action_ask_<slot>` instead of the plain response, and this picks the other wording whenever the
last thing the bot said already was this question.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import TimedAction
from actions.slot_validation import previous_value
from actions.understanding import reply_without_a_need, unsure

ASKED_AGAIN = ("consent_given", "needs", "location", "preferences", "goal_text", "checkin_period", "notice_consent",
               "share_consent")
# Askers with more to do than pick a wording live with their topic (consent_given: actions/privacy.py).
OWN_ASKER = frozenset({"consent_given"})


def _fixed_part(text: str) -> str:
    """The words of a response before its first placeholder, to recognise it once filled in."""
    return text.split("{", 1)[0].strip()


def last_bot_texts(tracker: Tracker) -> list[str]:
    """What the bot said just before the latest user message (its previous turn)."""
    texts: list[str] = []
    seen_user = False
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                break
            seen_user = True
        elif kind == "bot" and seen_user:
            texts.append(str(event.get("text") or ""))
    return texts


def _just_said(responses: dict[str, Any], names: Any, asked: list[str]) -> bool:
    """Whether the bot's last turn (`asked`) said one of these responses, in any of its wordings."""
    fixed = [_fixed_part(v.get("text") or "") for name in names for v in responses.get(name) or []]
    return any(f and t.startswith(f) for f in fixed for t in asked)


def wording(tracker: Tracker, domain: dict[str, Any], slot: str) -> str:
    """utter_ask_<slot>, or its other wording when the bot's last turn already asked it so."""
    plain, again = f"utter_ask_{slot}", f"utter_ask_{slot}_again"
    responses = domain.get("responses") or {}
    if again not in responses:
        return plain
    return again if _just_said(responses, [plain], last_bot_texts(tracker)) else plain


class AskAgain(TimedAction):
    """Asks one form question; each subclass names its slot (abstract, so the SDK skips it)."""

    slot = ""

    def choose_wording(self, tracker: Tracker, domain: dict[str, Any]) -> str:
        """The response to ask with; a question that answers the reply it follows overrides this."""
        return wording(tracker, domain, self.slot)

    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response=self.choose_wording(tracker, domain), **_values(tracker))
        return []


class AskNeeds(AskAgain):
    """ "What would make life better?", once more, saying what the last reply gave instead of a
    need: a question back ("like what?") gets examples, a place or a day is taken and said back,
    someone else ("its for wor lass") is asked about. The same words never twice in a row."""

    slot = "needs"

    def name(self) -> str:
        return "action_ask_needs"

    def choose_wording(self, tracker: Tracker, domain: dict[str, Any]) -> str:
        return needs_wording(tracker, domain)


def needs_wording(tracker: Tracker, domain: dict[str, Any]) -> str:
    """The needs question that fits the reply it follows (see AskNeeds)."""
    plain = wording(tracker, domain, "needs")
    responses = domain.get("responses") or {}
    asked = last_bot_texts(tracker)
    needs_asked = _just_said(responses, [n for n in responses if n.startswith("utter_ask_needs")], asked)
    text = tracker.latest_message.get("text") or ""
    if not needs_asked or not text or text.startswith("/"):
        return plain
    if tracker.get_slot("consent_given") is True and previous_value(tracker, "consent_given") is False:
        shape: str | None = "consent_yes"  # a no taken back (actions/slot_validation.py): thanked, then asked
    else:
        shape = reply_without_a_need(text)
    if shape is None and tracker.get_slot("location") and _changed(tracker, "location"):
        shape = "place"
    if shape is None and any(_changed(tracker, s) for s in ("days", "time_of_day")):
        shape = "when"
    name = {"asks_what": "utter_ask_needs_examples", "someone_else": "utter_ask_needs_someone_else",
            "place": "utter_ask_needs_place", "when": "utter_ask_needs_when",
            "consent_yes": "utter_ask_needs_consent_yes"}.get(shape or "")
    if name is None or name not in responses:
        return plain
    if _just_said(responses, [name], asked):
        return plain  # that one was just said: the plain question instead
    return name


class AskLocation(AskAgain):
    """ "Where are you?", once more, answering the reply it follows: a place the directory does not
    know ("downhill estate", "i live on chester road") is said to be unknown and the nearest area
    asked for; only "?" or "eh?" gets why we ask. The same words never twice in a row."""

    slot = "location"

    def name(self) -> str:
        return "action_ask_location"

    def choose_wording(self, tracker: Tracker, domain: dict[str, Any]) -> str:
        return location_wording(tracker, domain)


# Words that say a reply is someone's whereabouts, though no known place is in it.
_WHEREABOUTS = re.compile(r"\b(?:estate|road|rd|street|st|avenue|ave|terrace|close|lane|drive|crescent|grove|gardens"
                          r"|square|place|court|park|village|flats|i live|im in|i am in|live in|live on|near|by the)\b",
                          re.IGNORECASE)


def location_wording(tracker: Tracker, domain: dict[str, Any]) -> str:
    """The place question that fits the reply it follows (see AskLocation)."""
    plain = wording(tracker, domain, "location")
    responses = domain.get("responses") or {}
    text = (tracker.latest_message.get("text") or "").strip()
    if not text or text.startswith("/") or tracker.get_slot("location"):
        return plain
    asked = last_bot_texts(tracker)
    location_asked = _just_said(
        responses, [n for n in responses if n.startswith(("utter_ask_location", "utter_location_"))], asked)
    named = any(e.get("entity") in ("place", "postcode") for e in tracker.latest_message.get("entities") or [])
    if unsure(text) and location_asked:
        name = "utter_location_why"
    elif named or (location_asked and (_WHEREABOUTS.search(text) or len(text.split()) <= 3)
                   and not reply_without_a_need(text) and not text.endswith("?")):
        name = "utter_location_unknown"
    else:
        return plain
    if name not in responses or _just_said(responses, [name], asked):
        return plain  # that one was just said: the plain question instead
    return name


def _changed(tracker: Tracker, slot: str) -> bool:
    value = tracker.get_slot(slot)
    return bool(value) and value != previous_value(tracker, slot)


def _values(tracker: Tracker) -> dict[str, Any]:
    """Slot values the questions fill in (the SDK does this for plain responses, not for these)."""
    return {"chosen_service_name": tracker.get_slot("chosen_service_name") or "the group",
            "location": tracker.get_slot("location") or "you"}


def _asker(slot: str) -> type[AskAgain]:
    def name(self: AskAgain) -> str:
        return f"action_ask_{slot}"

    return type(f"Ask_{slot}", (AskAgain,), {"slot": slot, "name": name, "__doc__": f"Asks for {slot}."})


ASKERS = [AskNeeds, AskLocation,
          *(_asker(slot) for slot in ASKED_AGAIN if slot not in OWN_ASKER and slot not in ("needs", "location"))]
