"""Every message read as a whole before its slots are kept, inside a form or not.

Rasa fills slots word by word from the NLU entities; this action (Rasa's
`action_validate_slot_mappings`, run after every message) reads the message as a whole:

- needs: only known keys, with refusals and context applied (actions.understanding), so
  "im not a carer" drops carers, "for my dad" adds no dads' group, and a junk span such as
  "have one" never replaces the needs already kept;
- need_text: the person's own words for what matters (for the search and the link worker);
- days and time of day said again replace the old ones ("weekday evening instead");
- access: a mobility aid or "i dont drive" said at any point;
- a place named in passing ("owt closer to hendon?") and "closer" itself (max_miles).
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.understanding import names_a_kind, read_needs, without_refusals
from bot.text.sms_text import to_gsm7
from community_directory.places import find_place, names_only_the_city
from community_directory.preferences import Preferences, days_turned_down, preferences_in_text
from community_directory.request_text import attending_clauses, read_request, without_attending

# Messages about the conversation, not about what matters ("how does this work?" is no job).
NOT_ABOUT_NEEDS = frozenset(
    {
        "help",
        "bot_challenge",
        "chitchat",
        "out_of_scope",
        "request_human",
        "thanks",
        "goodbye",
        "forget_me",
        "crisis",
        "opt_out",
        "start_again",
        "greet",
        "affirm",
        "deny",
        "choose_option",
        "choose_checkin",
        "report_progress",
        "inform_score",
        "stop_keeping",
        "ask_what_kept",
    }
)
# While a goal or a check-in is being set, the words are about that, not a new search.
QUIET_FORMS = frozenset({"goal_form", "checkin_form"})
CLOSER_MILES = 2.0
NO_TRANSPORT_MILES = 1.5  # as community_directory.matching: walking distance
NEED_TEXT_MAX = 300
READ_HERE = ("needs", "need_text", "access", "days", "time_of_day", "cost", "location", "lat", "lon", "max_miles",
             "age_group", "consent_given")
# A no to keeping things taken back later: "actually go on then, you can keep my details", "sorry i
# meant yes". Only after a no, outside the consent question (which reads yes and no itself).
_CONSENT_AFTER_ALL = re.compile(
    r"\b(?:you can keep|(?:ok|okay|fine|go on)?,? ?keep (?:my|me|it|them|the) ?(?:details|info|information|number|stuff)?"
    r"|(?:i )?(?:meant|mean) (?:yes|yeah|1)|changed my mind|change my mind|yes you can|happy for you to keep"
    r"|go on then|ok then keep|you can have my details)\b",
    re.IGNORECASE,
)
_CONSENT_STILL_NO = re.compile(r"\b(?:dont|do not|don'?t|not|never|no need|wont|won'?t|rather you didnt)\b.{0,20}\bkeep\b",
                               re.IGNORECASE)


def gives_consent_after_all(text: str) -> bool:
    """The person who said no now says yes to keeping what they tell us."""
    return bool(_CONSENT_AFTER_ALL.search(text or "")) and not _CONSENT_STILL_NO.search(text or "")
# Free only, said in passing: "it has to be free", "cant afford much" (but "im free on tuesdays" is a day,
# and so is "me only free day": when they are free, not what it costs).
_FREE_TIME = (r"(?!\s+(?:day|days|time|on|at|in|from|after|before|most|all|every|mornings?|afternoons?|evenings?"
              r"|nights?|weekends?|this|next|tomorrow|today|then)\b)")
_FREE_ONLY = re.compile(
    r"\b(?:has to be|have to be|must be|needs to be|need to be|got to be|only|has 2 be|gotta be)\s+free\b" + _FREE_TIME
    + r"|\bfree\s+(?:only|ones?|things|stuff)\b"
    r"|\bno cost\b|\bcan'?t (?:afford|pay)\b|\bcannot (?:afford|pay)\b|\bnothing that costs\b|\bfor free\b",
    re.IGNORECASE,
)
_CLOSER = re.compile(
    r"\b(closer|nearer|near(er)? to (me|home)|not (so|as|too) far|too far|miles away|(cant|can'?t|cannot) get (that|so|as) far"
    r"|round the corner|on my doorstep|more local)\b",
    re.IGNORECASE,
)


# Said in passing (not in answer to "anything I should know?"), days count only when named in
# full or in a common short form: "i sat in all day" is no Saturday, "i am lonely" no morning.
_DAY_SAID = {
    "monday": r"mondays?",
    "tuesday": r"tuesdays?|tues",
    "wednesday": r"wednesdays?|weds",
    "thursday": r"thursdays?|thurs",
    "friday": r"fridays?",
    "saturday": r"saturdays?",
    "sunday": r"sundays?",
    "weekend": r"week ?ends?",
    "weekdays": r"week ?days?|during the week|mon(day)? to fri(day)?",
}
_TIME_WORD = re.compile(r"\b(?:mornings?|afternoons?|evenings?|nights?|day ?times?)\b", re.IGNORECASE)
_BARE_AM_PM = re.compile(r"(?<!\d)(?<!\d )\b(?:am|pm)\b", re.IGNORECASE)


# A day gone by is no limit: "not spoke to a soul since monday", "last friday".
_PAST_DAY = re.compile(r"\b(?:since|last|this past|from)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.IGNORECASE)
_ANOTHER_DAY = re.compile(r"\b(?:another|a different|different|other|any other)\s+days?\b", re.IGNORECASE)
WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def days_said_otherwise(text: str) -> bool:
    """Whether days in the message may not be limits: a day gone by, or the day of a group they already go to."""
    return bool(_PAST_DAY.search(text) or attending_clauses(text))


def when_in_passing(text: str) -> Preferences:
    """Days and time of day from a message that was not an answer to the preference question.

    The day and time of a group they already go to ("i go to the knit and natter on thursdays,
    want summat else on another day") are not when they want to go: "another day" then means
    any day but those.
    """
    going = attending_clauses(text)
    wished = without_attending(_PAST_DAY.sub(" ", text))
    heard = preferences_in_text(_BARE_AM_PM.sub(" ", wished))
    lowered = wished.lower()
    if not days_turned_down(wished):  # "not wednesdays" leaves the days not named
        heard.days = [d for d in heard.days if re.search(rf"\b(?:{_DAY_SAID[d]})\b", lowered)]
    if going and not heard.days and _ANOTHER_DAY.search(wished):
        busy = [d for d in WEEK if re.search(rf"\b(?:{_DAY_SAID[d]})\b", " ".join(going))]
        heard.days = [d for d in WEEK if d not in busy] if busy else []
    return heard


def _typed(tracker: Tracker) -> str | None:
    """The latest message as typed, or None for a button payload or a message about something else."""
    text = tracker.latest_message.get("text") or ""
    if not text or text.startswith("/"):
        return None
    if str((tracker.latest_message.get("intent") or {}).get("name") or "").startswith("EXTERNAL_"):
        return None  # a turn the bot starts itself (a check-in, a changed notice): no words of theirs
    if (tracker.active_loop or {}).get("name") in QUIET_FORMS:
        return None
    return text


def _about_needs(tracker: Tracker) -> bool:
    intent = tracker.latest_message.get("intent", {}).get("name")
    if intent not in NOT_ABOUT_NEEDS:
        return True
    # "hiya, any knit groups?" read as a greeting still names what they want
    return names_a_kind(tracker.latest_message.get("text") or "", intent)


def _entities(tracker: Tracker, name: str) -> list[dict[str, Any]]:
    return [e for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]


def previous_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest message (its newest SlotSet before the last user event)."""
    seen_user = False
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            if seen_user:
                continue
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


class ValidateSlotMappings(ValidationAction):
    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """Only the slots read here; the others pass as their mappings set them."""
        return list(READ_HERE)

    async def extract_lat(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {}  # set with the location

    async def extract_lon(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {}

    async def extract_age_group(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {}  # the model's entity, checked in validate_age_group

    # Slots read by an extract_ method are valid as extracted; these say so (and keep the SDK quiet).
    def validate_need_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"need_text": value}

    def validate_access(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"access": value}

    def validate_days(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # "week on wednesday" as a check-in time, "go every tuesday" as a goal: not a new search limit
        if (tracker.active_loop or {}).get("name") in QUIET_FORMS:
            return {"days": previous_value(tracker, "days")}
        values = value if isinstance(value, list) else [value] if value else []
        known = [str(v).lower() for v in values if str(v).lower() in _DAY_SAID]
        text = _typed(tracker)
        if text is not None and (days_said_otherwise(text) or days_turned_down(text)):
            # "since monday", "i go to the shed on mondays", "any day but monday": the words say
            # which days are wanted, if any
            return {"days": when_in_passing(text).days or previous_value(tracker, "days")}
        if len(known) < len(values) and text is not None:
            # The model marks "day" in "me only free day" as a day: the days the words name stand
            known = list(dict.fromkeys(known + when_in_passing(text).days))
        if text is not None and known:
            # "tuesdays, no wait i mean thursdays": the model marks both, the words take one back
            heard = when_in_passing(text).days
            if heard and set(heard) < set(known):
                known = [d for d in known if d in heard]
        return {"days": known or previous_value(tracker, "days")}

    def validate_age_group(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A bare number the model took for an age ("had him 14 year") counts only when the words
        say it is someone's age ("hes 14", "im 72")."""
        text = _typed(tracker)
        spans = _entities(tracker, "age_group")
        numbers = [e for e in spans if isinstance(e.get("start"), int)
                   and str((text or "")[e["start"]:e.get("end", e["start"])]).strip().isdigit()]
        if value is not None and text is not None and numbers and len(numbers) == len(spans):
            if read_request(text).about_person.age is None:
                return {"age_group": previous_value(tracker, "age_group")}
        return {"age_group": value}

    def validate_time_of_day(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # "week on wednesday" as a check-in time, "go every tuesday" as a goal: not a new search limit
        if (tracker.active_loop or {}).get("name") in QUIET_FORMS:
            return {"time_of_day": previous_value(tracker, "time_of_day")}
        text = _typed(tracker)
        if value is not None and text is not None and _TIME_WORD.search(text):
            # The model hears "mornings" in "an afternoon one instead? i cant do mornings": the
            # message read as a whole says which time is wanted and which is turned down.
            return {"time_of_day": when_in_passing(text).time_of_day or previous_value(tracker, "time_of_day")}
        return {"time_of_day": value}

    def validate_max_miles(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"max_miles": value}

    def validate_lat(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"lat": value}

    def validate_lon(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"lon": value}

    # -- consent, changed ------------------------------------------------------------------------
    async def extract_consent_given(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A no taken back ("actually go on then, you can keep my details"): kept as a yes from now,
        recorded as the consent form records one (the question they were shown, on this channel)."""
        text = _typed(tracker)
        loop = (tracker.active_loop or {}).get("name")
        if text is None or tracker.get_slot("consent_given") is not False or loop in ("consent_form", "notice_form"):
            return {}
        if not gives_consent_after_all(text):
            return {}
        from actions.consent import record_keep_answer  # here: consent -> privacy -> asking imports this module

        record_keep_answer(tracker, domain, True)
        return {"consent_given": True}

    def validate_consent_given(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"consent_given": value}

    # -- what matters ---------------------------------------------------------------------------
    async def extract_needs(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A message that only turns a need down ("not after a job") takes it off the list."""
        text = _typed(tracker)
        if text is None or _entities(tracker, "need"):
            return {}  # a message with need entities is read in validate_needs
        heard = read_needs(text)
        current = list(tracker.get_slot("needs") or [])
        if not heard.excluded or not set(heard.excluded) & set(current):
            return {}
        return {"needs": heard.apply_to(current) or None}

    def validate_needs(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        before = [n for n in (previous_value(tracker, "needs") or [])]
        text = _typed(tracker)
        if text is None:
            # Words said while setting a goal are not a new search: keep the needs as they were.
            return {"needs": before or None} if (tracker.active_loop or {}).get("name") in QUIET_FORMS else {}
        heard = read_needs(text, _entities(tracker, "need"))
        if heard.needs:
            return {"needs": heard.needs}
        # Nothing usable in the entities ("have one"): keep what was there, minus anything turned down.
        return {"needs": heard.apply_to(before) or None}

    async def extract_need_text(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """What matters in their own words: the latest message that names a need."""
        text = _typed(tracker)
        if text is None or not _about_needs(tracker):
            return {}
        if not read_needs(text, _entities(tracker, "need")).needs:
            return {}
        words = " ".join(to_gsm7(text).split())
        return {"need_text": words[:NEED_TEXT_MAX]}

    # -- what limits the search -----------------------------------------------------------------
    async def extract_access(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = _typed(tracker)
        if text is None:
            return {}
        found = preferences_in_text(text).access
        if read_needs(text).mobility_aid:
            found.append("mobility")
        current = list(tracker.get_slot("access") or [])
        merged = list(dict.fromkeys(current + found))
        return {"access": merged} if merged != current else {}

    async def extract_days(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Days said again replace the old ones; the model's entities come first."""
        text = _typed(tracker)
        if text is None or _entities(tracker, "day"):
            return {}
        days = when_in_passing(text).days
        return {"days": days} if days and days != tracker.get_slot("days") else {}

    async def extract_time_of_day(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = _typed(tracker)
        if text is None or _entities(tracker, "time_of_day"):
            return {}
        heard = when_in_passing(text)
        if heard.time_of_day and heard.time_of_day != tracker.get_slot("time_of_day"):
            return {"time_of_day": heard.time_of_day}
        if heard.days and not heard.time_of_day and tracker.get_slot("time_of_day") and _entities(tracker, "day") == []:
            return {"time_of_day": None}  # "weekends only" after "evenings": the new limit stands alone
        return {}

    async def extract_cost(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = _typed(tracker)
        if text is None or _entities(tracker, "cost") or tracker.get_slot("cost") == "free":
            return {}
        return {"cost": "free"} if _FREE_ONLY.search(text) else {}

    def validate_cost(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The one cost limit is "free"; a span like "free im skint" means that too."""
        if value is None or value == "free":
            return {"cost": value}
        return {"cost": "free" if preferences_in_text(str(value)).free_only else None}

    # -- where ----------------------------------------------------------------------------------
    async def extract_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A known place named in passing ("lunch club ... he lives in southwick") is where to search."""
        text = _typed(tracker)
        loop = (tracker.active_loop or {}).get("name")
        if (
            text is None
            or loop not in (None, "needs_form")
            or _entities(tracker, "place")
            or _entities(tracker, "postcode")
        ):
            return {}
        place = find_place(without_refusals(text))  # "i meant roker not pallion" is Roker
        # "anything in Sunderland?" is everywhere, not a move to the city's middle
        if place is None or names_only_the_city(text) or place.name == tracker.get_slot("location"):
            return {}
        return {"location": place.name, "lat": place.lat, "lon": place.lon}

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A place name is placed at once; postcodes are checked by the needs form."""
        text = _typed(tracker)
        # The message read as a whole says which place, when it names one outside a refusal:
        # "sorry i meant roker not pallion" is Roker, whichever of the two the model kept.
        place = find_place(without_refusals(text)) if text else None
        if place is None or names_only_the_city(without_refusals(text or "")):
            place = find_place(str(value or ""), fuzzy=True)  # the model heard it as a place: "silksworh"
        if place is None:
            return {}
        return {"location": place.name, "lat": place.lat, "lon": place.lon}

    async def extract_max_miles(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "Anything closer?": a tighter circle (walking distance when they do not drive)."""
        text = _typed(tracker)
        if text is None or not _CLOSER.search(text):
            return {}
        access = set(tracker.get_slot("access") or []) | set(preferences_in_text(text).access)
        return {"max_miles": NO_TRANSPORT_MILES if "no_transport" in access else CLOSER_MILES}
