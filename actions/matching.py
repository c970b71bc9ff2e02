"""Offering matches from the directory: up to three at a time, more, different, details, choose."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import TimedAction, db, person_for
from actions.corrections import refine_instead_of_restart
from actions.understanding import search_text
from bot.records.measures import ONS4_SLOTS
from community_directory.matching import Match, MatchRequest, find_matches, record_referral
from community_directory.preferences import must_be_free, preferences_in_text
from community_directory.request_text import read_request

PAGE = 3
# Said when a correction changes the search ("the debt one, not energy", "owt closer to hendon?"),
# so the reply to it never reads exactly like the one before.
SEARCH_CHANGED = "OK, I will look again with that."
STILL_THE_BEST = "I looked again. These still fit best."
WIDER_MILES = 10.0
_DIGIT = re.compile(r"\b(\d{1,2})\b")
_WORDS = {"first": 1, "one": 1, "second": 2, "two": 2, "third": 3, "three": 3, "last": -1}


CONSTRAINT_SLOTS = ("days", "time_of_day", "cost", "access", "age_group", "language")
WHEN_SLOTS = ("days", "time_of_day")
_WIDEN_DAYS = re.compile(r"\b(any ?(day|time)|other days?|anytime|whenever|different (day|time))\b", re.I)
_WIDEN_DISTANCE = re.compile(r"\b(further|farther|wider|more miles|travel)\b", re.I)


# What the preference question asks about (when, cost, getting there). An age or a language said
# is no answer to it: a 72-year-old may still only manage mornings.
PREFERENCE_SLOTS = ("days", "time_of_day", "cost", "access")


def constraint_slots_set(tracker: Tracker) -> bool:
    return any(tracker.get_slot(name) for name in CONSTRAINT_SLOTS)


def preference_slots_set(tracker: Tracker) -> bool:
    """Whether the person already said when, what they can pay or how they get about."""
    return any(tracker.get_slot(name) for name in PREFERENCE_SLOTS)


# Where the current search began: after these, earlier messages are about an earlier search.
SEARCH_RESETS = frozenset({"action_different_matches", "action_start_again", "action_session_start"})
# Slots the dialogue side may add later (kinds, exclusions, person facts); read when present.
REQUEST_SLOTS = ("kinds", "excluded_needs", "excluded_kinds")


def resident_text(tracker: Tracker) -> str:
    """The person's own messages in this search, oldest first (button payloads left out), so
    kinds, refusals and "for my dad" said in any turn reach the matcher."""
    return ". ".join(resident_texts(tracker))


# A change of mind about what to do: "actually id rather do something arty", "forget exercise,
# is there a lunch club instead". What they asked for before it is no longer wanted.
_CHANGE_OF_MIND = re.compile(
    r"^\s*(?:actually|no\b|nah\b|sorry|wait|hang on|on second thoughts?)|\bi meant\b|\binstead\b|\brather\b"
    r"|\bchanged my mind\b|\bchange of plan\b|\bforget (?:that|the|about|it)\b|\bscrap that\b",
    re.IGNORECASE,
)


_AS_WELL = re.compile(r"\b(?:also|as well|too)\b", re.IGNORECASE)  # "sorry, debt advice as well": one more


def since_change_of_mind(texts: list[str]) -> str | None:
    """The person's words from their latest change of mind on, when a later message changes what
    they want (it names kinds or needs of its own); None when they never changed it."""
    for n in range(len(texts) - 1, 0, -1):
        text = texts[n]
        if _CHANGE_OF_MIND.search(text) and not _AS_WELL.search(text):
            heard = read_request(text)
            if heard.kinds or heard.needs:
                return ". ".join(texts[n:])
    return None


def resident_texts(tracker: Tracker) -> list[str]:
    """The person's own messages in this search, oldest first, button payloads left out."""
    texts: list[str] = []
    for event in reversed(tracker.events or []):
        if event.get("event") == "action" and event.get("name") in SEARCH_RESETS:
            break
        if event.get("event") == "user":
            text = (event.get("text") or "").strip()
            if text and not text.startswith("/"):
                texts.append(text)
    latest = (tracker.latest_message.get("text") or "").strip()
    if not texts and latest and not latest.startswith("/"):
        texts.append(latest)
    return list(reversed(texts))


def build_request(tracker: Tracker, *, exclude: list[str]) -> MatchRequest:
    """The slots, plus what the person's own words say (named kinds, "not a carer", "for my dad")."""
    request = MatchRequest(
        needs=list(tracker.get_slot("needs") or []),
        text=search_text(tracker.get_slot("need_text")),  # their own words, for relevance
        lat=tracker.get_slot("lat"),
        lon=tracker.get_slot("lon"),
        max_miles=tracker.get_slot("max_miles"),
        days=list(tracker.get_slot("days") or []),
        time_of_day=tracker.get_slot("time_of_day"),
        free_only=tracker.get_slot("cost") == "free",
        access=list(tracker.get_slot("access") or []),
        age_group=tracker.get_slot("age_group"),
        language=tracker.get_slot("language"),
        exclude_ids=list(dict.fromkeys([*exclude, *(tracker.get_slot("refused_ids") or [])])),
        limit=PAGE,
    )
    for name in REQUEST_SLOTS:
        setattr(request, name, list(tracker.get_slot(name) or []))
    request.about_person = tracker.get_slot("about_person") or None
    texts = resident_texts(tracker)
    said = ". ".join(texts)
    # "it has to be free im skint", "i use a wheelchair" in any turn are limits, asked or not
    # (days and times are left to the slots: people change those, and the form keeps the latest).
    request.free_only = request.free_only or must_be_free(said)
    request.access = list(dict.fromkeys([*request.access, *preferences_in_text(said).access]))
    reading = read_request(said)  # who it is for and what they turned down, from every turn
    changed = since_change_of_mind(texts)
    if changed is not None:
        # "yoga", then "actually id rather do something arty": what they want now is the art
        now = read_request(changed)
        # the kinds they moved away from are not offered again ("food bank", then "id rather
        # somewhere i can learn to cook": no food bank among the cooking groups)
        moved_from = [k for k in reading.kinds if k not in now.kinds] if now.kinds else []
        reading.kinds, reading.needs, reading.text = now.kinds, now.needs, now.text
        reading.excluded_kinds = list(dict.fromkeys([*reading.excluded_kinds, *now.excluded_kinds, *moved_from]))
        reading.excluded_needs = [n for n in dict.fromkeys([*reading.excluded_needs, *now.excluded_needs])
                                  if n not in now.needs]
        if now.needs:
            request.needs = [n for n in request.needs if n in now.needs] or list(now.needs)
        request.kinds = [k for k in request.kinds if k in now.kinds]
    return reading.apply(request)


def describe(n: int, match: Match) -> str:
    """One match in at most two SMS segments: name, why, when, where, distance, cost, how to join."""
    why = f"Picked for: {', '.join(match.fits)}" if match.fits else ""
    parts = [f"{n}) {match.name}", why, match.when, match.where]
    cost = "free" if match.cost.lower() == "free" else match.cost
    extras = [p for p in (f"{match.distance_miles:.1f} miles away" if match.distance_miles is not None else "", cost) if p]
    text = ". ".join(p.rstrip(".") for p in parts if p) + ". "
    if extras:
        text += ", ".join(extras) + ". "
    join = match.how_to_join.rstrip(".") + "."  # the curator's words: shorten the rest, never these
    room = 306 - len(join)
    if len(text) > room:
        text = text[:room - 4].rsplit(" ", 1)[0] + "... "
    return text + join


def offer(dispatcher: CollectingDispatcher, matches: list[Match]) -> None:
    for n, match in enumerate(matches, start=1):
        dispatcher.utter_message(text=describe(n, match))
    buttons = [{"title": m.name[:40], "payload": f'/choose_option{{"number": "{n}"}}'} for n, m in enumerate(matches, start=1)]
    buttons += [{"title": "More like these", "payload": "/request_more"}, {"title": "Something different", "payload": "/request_different"}]
    dispatcher.utter_message(text="Which one would you like? Reply with a number.", buttons=buttons)


def picked_number(tracker: Tracker) -> int | None:
    value = tracker.get_slot("number")
    entities = [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == "number"]
    for candidate in entities + [value]:
        if candidate is not None and str(candidate).strip().lstrip("-").isdigit():
            return int(str(candidate).strip())
    text = (tracker.latest_message.get("text") or "").lower()
    digit = _DIGIT.search(text)
    if digit:
        return int(digit.group(1))
    for word, n in _WORDS.items():
        if re.search(rf"\b{word}\b", text):
            return n
    return None


class ActionFindMatches(TimedAction):
    def name(self) -> str:
        return "action_find_matches"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        if not tracker.get_slot("needs") or tracker.get_slot("lat") is None:
            return [FollowupAction("needs_form")]  # a day or preference came before we knew enough
        return search(dispatcher, tracker, exclude=[], widen=False)


class ActionMoreMatches(TimedAction):
    """More like these; or, after "no matches", the wider search the person picked (any day, further)."""

    def name(self) -> str:
        return "action_more_matches"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        if not tracker.get_slot("needs"):
            dispatcher.utter_message(response="utter_ask_needs")
            return [FollowupAction("needs_form")]
        widen = wanted_widening(tracker)
        if widen == "days":
            events = [SlotSet(name, None) for name in WHEN_SLOTS]
        elif widen == "distance":
            events = [SlotSet("max_miles", WIDER_MILES)]
        else:
            events = []
        tracker.add_slots(events)  # so the search below already uses the wider limits
        exclude = [] if widen == "days" else list(tracker.get_slot("shown_ids") or [])
        return events + search(dispatcher, tracker, exclude=exclude, widen=widen is None)


def wanted_widening(tracker: Tracker) -> str | None:
    """"days" or "distance" from the button payload, or from words like "any day" / "further away"."""
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "widen" and entity.get("value") in ("days", "distance"):
            return str(entity["value"])
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        return None
    if _WIDEN_DAYS.search(text):
        return "days"
    if _WIDEN_DISTANCE.search(text):
        return "distance"
    return None


class ActionDifferentMatches(TimedAction):
    def name(self) -> str:
        return "action_different_matches"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        refined = refine_instead_of_restart(tracker)  # "owt closer to hendon?", "i meant the debt one"
        if refined is not None:
            dispatcher.utter_message(text=SEARCH_CHANGED)
            return refined
        dispatcher.utter_message(response="utter_ask_different")
        return [SlotSet("needs", None), SlotSet("shown_ids", []), SlotSet("offered", []), SlotSet("has_matches", None),
                SlotSet("preferences", None), SlotSet("refused_ids", [])]


def search(dispatcher: CollectingDispatcher, tracker: Tracker, *, exclude: list[str], widen: bool) -> list[dict[str, Any]]:
    request = build_request(tracker, exclude=exclude)
    with db() as session:
        matches = find_matches(session, request)
        if not matches and widen and not tracker.get_slot("max_miles"):
            request.max_miles = WIDER_MILES
            matches = find_matches(session, request)
    if not matches:
        say_none_found(dispatcher, tracker, request, shown_before=bool(exclude))
        return [SlotSet("has_matches", bool(exclude)), SlotSet("offered", [])]
    same = [m.service_id for m in matches] == [o.get("id") for o in tracker.get_slot("offered") or []]
    if not exclude and same:
        # Asked again in other words ("its the debt one i meant"), and these still fit best: say so,
        # so the answer does not read as if the message went unheard.
        dispatcher.utter_message(text=STILL_THE_BEST)
    elif not exclude:
        place = tracker.get_slot("location")
        dispatcher.utter_message(response="utter_searching_near" if place else "utter_searching", location=place)
    offer(dispatcher, matches)
    offered = [{"id": m.service_id, "name": m.name, "how_to_join": m.how_to_join, "description": m.description,
                "why": m.why, "cost": m.cost, "when": m.when} for m in matches]
    return [
        SlotSet("offered", offered),
        SlotSet("shown_ids", exclude + [m.service_id for m in matches]),
        SlotSet("has_matches", True),
    ]


def say_none_found(dispatcher: CollectingDispatcher, tracker: Tracker, request: MatchRequest, *, shown_before: bool) -> None:
    """Say so honestly, then offer only the widenings that could help, and always a person."""
    buttons: list[dict[str, str]] = []
    if request.days or request.time_of_day:
        buttons.append({"title": "Any day or time", "payload": '/request_more{"widen": "days"}'})
    if (request.max_miles or 0) < WIDER_MILES:
        buttons.append({"title": "Look further away", "payload": '/request_more{"widen": "distance"}'})
    buttons += [{"title": "Something different", "payload": "/request_different"},
                {"title": "Talk to a person", "payload": "/request_human"}]
    if shown_before:
        name = "utter_no_more_matches"
    elif request.days or request.time_of_day:
        name = "utter_no_matches_then"
    else:
        name = "utter_no_matches"
    dispatcher.utter_message(response=name, buttons=buttons)


def chosen(tracker: Tracker) -> tuple[int | None, dict[str, Any] | None]:
    offered = list(tracker.get_slot("offered") or [])
    number = picked_number(tracker)
    if number == -1 and offered:
        number = len(offered)
    if number is None or not 1 <= number <= len(offered):
        return number, None
    return number, offered[number - 1]


class ActionMatchDetails(TimedAction):
    def name(self) -> str:
        return "action_match_details"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        number, item = chosen(tracker)
        if item is None:
            dispatcher.utter_message(text=_which(tracker))
            return []
        dispatcher.utter_message(text=details_text(item))
        dispatcher.utter_message(
            text="Would you like this one?",
            buttons=[{"title": "Yes, this one", "payload": f'/choose_option{{"number": "{number}"}}'},
                     {"title": "Show me more", "payload": "/request_more"}],
        )
        return []


def details_text(item: dict[str, Any]) -> str:
    """Name, description, when, cost and how to join in at most two SMS segments; the description
    gives way. The cost is always said: "the second one sounds good but is it free?" is answered."""
    facts = " ".join(f"{fact.rstrip('.')}." for fact in (item.get("when"), _cost_words(item.get("cost"))) if fact)
    join = item.get("how_to_join") or ""
    description = (item.get("description") or "").strip()
    room = max(60, 306 - len(item["name"]) - len(join) - len(facts) - 4)
    if len(description) > room:
        description = description[: room - 3].rsplit(" ", 1)[0] + "..."
    return " ".join(f"{item['name']}: {description} {facts} {join}".split())


# "the second one sounds good but is it free?", "ill take that one, how much is it": a choice that
# also asks what it costs (the model may read it as the choice alone) gets the answer with it.
_ASKS_COST = re.compile(r"\b(?:free|cost|costs|how much|price|pay|charge|money|fee)\b", re.IGNORECASE)


def chosen_text(item: dict[str, Any], said: str) -> str:
    """The confirmation of a choice, with the cost when the person asked about it."""
    cost = _cost_words(item.get("cost")) if _ASKS_COST.search(said) else ""
    facts = f"{cost.rstrip('.')}. " if cost else ""
    return f"Great choice: {item['name']}. {facts}{item['how_to_join']}"


def _cost_words(cost: str | None) -> str:
    """"Free", "Cost: £4 per session", "Pay as you feel": the cost as a short sentence."""
    if not cost:
        return ""
    if cost.lower() == "free" or not any(ch.isdigit() for ch in cost):
        return cost[:1].upper() + cost[1:]
    return f"Cost: {cost}"


class ActionChooseMatch(TimedAction):
    def name(self) -> str:
        return "action_choose_match"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        _, item = chosen(tracker)
        if item is None:
            dispatcher.utter_message(text=_which(tracker))
            return [FollowupAction("action_listen")]
        with db() as session:
            record_referral(session, item["id"])
            person = person_for(session, tracker)
            consent = bool(person and person.consent_to_keep)
        events: list[dict[str, Any]] = [SlotSet("chosen_service_id", item["id"]), SlotSet("chosen_service_name", item["name"])]
        dispatcher.utter_message(text=chosen_text(item, tracker.latest_message.get("text") or ""))
        if not consent:
            dispatcher.utter_message(response="utter_chosen_no_consent")
            return events + [FollowupAction("action_listen")]
        fresh = [SlotSet(name, None) for name in ("goal_text", "goal_confirmed", "checkin_period", *ONS4_SLOTS)]
        return events + fresh + [FollowupAction("goal_form")]


def _which(tracker: Tracker) -> str:
    offered = tracker.get_slot("offered") or []
    if not offered:
        return "I have not shown you any groups yet. Tell me what you would like to do."
    return f"Which one? Reply with a number from 1 to {len(offered)}."
