"""Corrections change the search or the choice; a question not answered is asked in other words."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.asking import wording
from actions.corrections import is_correction, option_meant, refine_instead_of_restart

OFFERED = [
    {
        "id": "a",
        "name": "Pallion Energy Advice",
        "description": "Help with gas and electric bills.",
        "how_to_join": "Call.",
    },
    {
        "id": "b",
        "name": "Pallion Debt Advice Drop-in",
        "description": "Free, confidential debt help.",
        "how_to_join": "Drop in.",
    },
]


def tracker(text: str, *, entities: list | None = None, events: list | None = None, **slots) -> Tracker:
    return Tracker(
        sender_id="t",
        slots=slots,
        latest_message={"text": text, "intent": {"name": "request_different"}, "entities": entities or []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def test_i_meant_the_debt_one_points_at_that_option_not_the_energy_one():
    text = "actually no i meant the debt one, not energy"
    assert is_correction(text)
    t = tracker(text, offered=OFFERED, chosen_service_id="a")
    assert option_meant(t, text)["id"] == "b"
    assert option_meant(tracker("i meant 2", offered=OFFERED, chosen_service_id="a"), "i meant 2")["id"] == "b"
    assert not is_correction("go every tuesday with my sister")


def test_the_goal_step_moves_the_choice_and_asks_the_goal_again(monkeypatch):
    from actions import goals

    monkeypatch.setattr(goals, "record_referral", lambda session, service_id: None)
    monkeypatch.setattr(goals, "db", _no_db)
    dispatcher = CollectingDispatcher()
    text = "actually no i meant the debt one, not energy"
    t = tracker(text, offered=OFFERED, chosen_service_id="a", chosen_service_name="Pallion Energy Advice")
    result = goals.ValidateGoalForm().validate_goal_text(text, dispatcher, t, {})
    assert result == {"goal_text": None, "chosen_service_id": "b", "chosen_service_name": "Pallion Debt Advice Drop-in"}
    assert dispatcher.messages[0]["text"].startswith("OK, Pallion Debt Advice Drop-in then.")


def test_something_different_that_names_a_need_searches_for_it():
    text = "actually no i meant the debt one, not energy"
    events = refine_instead_of_restart(tracker(text, needs=["money"]))
    assert events and events[0] == {"event": "slot", "timestamp": None, "name": "needs", "value": ["money"]}
    assert refine_instead_of_restart(tracker("something different", needs=["money"])) is None


def test_a_question_just_asked_is_asked_the_other_way():
    domain = {
        "responses": {
            "utter_ask_needs": [{"text": "What would make life a bit better for you right now?"}],
            "utter_ask_needs_again": [{"text": "Tell me one thing you would like to do."}],
        }
    }
    asked = [
        {"event": "user", "text": "yes"},
        {"event": "bot", "text": "What would make life a bit better for you right now?"},
        {"event": "user", "text": "how does this work"},
    ]
    assert wording(tracker("how does this work", events=asked), domain, "needs") == "utter_ask_needs_again"
    first = [{"event": "user", "text": "yes"}]
    assert wording(tracker("yes", events=first), domain, "needs") == "utter_ask_needs"
    assert wording(tracker("x", events=asked), domain, "location") == "utter_ask_location"


class _no_db:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


SHOWN = [
    {"id": "h1", "name": "Hendon Coffee Morning", "description": "A cuppa.", "how_to_join": "Turn up."},
    {"id": "a1", "name": "Ashbrooke Coffee Morning", "description": "A cuppa.", "how_to_join": "Turn up."},
    {"id": "h2", "name": "Hendon Chatterbox Cafe", "description": "A chat.", "how_to_join": "Turn up."},
]


def test_not_the_hendon_one_turns_down_the_hendon_options_and_keeps_the_need():
    from actions.corrections import options_turned_down

    said = "not the hendon one, i went and it was all cliques"
    assert [o["id"] for o in options_turned_down(tracker(said, offered=SHOWN), said)] == ["h1", "h2"]
    events = refine_instead_of_restart(tracker(said, offered=SHOWN, needs=["loneliness"]))
    assert events is not None
    slots = {e["name"]: e["value"] for e in events}
    assert slots["refused_ids"] == ["h1", "h2"] and "needs" not in slots  # the search stays, without them


def test_not_that_one_and_not_number_two():
    from actions.corrections import options_turned_down

    assert [o["id"] for o in options_turned_down(tracker("x", offered=SHOWN), "not number 2")] == ["a1"]
    chosen = tracker("x", offered=SHOWN, chosen_service_id="h2")
    assert [o["id"] for o in options_turned_down(chosen, "no not that one")] == ["h2"]
    assert [o["id"] for o in options_turned_down(tracker("x", offered=SHOWN), "not that one")] == ["h1"]
    # a need turned down is not an option turned down
    assert options_turned_down(tracker("x", offered=SHOWN), "the debt one, not energy") == []


def test_a_first_message_nobody_understood_still_gets_the_introduction():
    from actions.support import not_introduced_yet

    assert not_introduced_yet(tracker("alright"))
    assert not not_introduced_yet(tracker("alright", events=[{"event": "action", "name": "utter_intro"}]))
    assert not not_introduced_yet(tracker("alright", consent_given=False))


def test_been_to_that_named_one_turns_it_down():
    from actions.corrections import options_turned_down

    offered = [{"id": "c", "name": "Castletown Coffee Morning"}, {"id": "h", "name": "Hastings Hill Coffee Morning"}]
    text = "been to that castletown one already, owt else?"
    assert [o["id"] for o in options_turned_down(tracker(text, offered=offered), text)] == ["c"]
    assert options_turned_down(tracker("i have been to the doctor", offered=offered), "i have been to the doctor") == []


def test_not_the_second_one_turns_down_the_second():
    from actions.corrections import options_turned_down

    offered = [{"id": "a", "name": "Roker Art Club"}, {"id": "b", "name": "Hendon Art Club"}, {"id": "c", "name": "X"}]
    for text, ids in (("not the second one", ["b"]), ("not the last one", ["c"]), ("not the hendon one", ["b"])):
        assert [o["id"] for o in options_turned_down(tracker(text, offered=offered), text)] == ids, text


NEEDS_DOMAIN = {
    "responses": {
        "utter_ask_needs": [{"text": "What would make life a bit better for you right now?"}],
        "utter_ask_needs_again": [{"text": "Tell me one thing you would like to do."}],
        "utter_ask_needs_examples": [{"text": "There is lots on, like coffee mornings. Which sounds good?"}],
        "utter_ask_needs_place": [{"text": "Thanks, I will look near {location}. What would you like to find there?"}],
        "utter_ask_needs_when": [{"text": "Thanks, I will look for times that suit you. What would you like to do?"}],
        "utter_ask_needs_someone_else": [{"text": "OK, it is for someone else. What do they like doing?"}],
    }
}


def _after_needs_question(text: str, *later: dict) -> list[dict]:
    return [{"event": "user", "text": "yes"},
            {"event": "bot", "text": "What would make life a bit better for you right now?"},
            {"event": "user", "text": text}, *later]


def test_the_needs_question_again_says_what_the_reply_gave_instead():
    from actions.asking import needs_wording

    def asked(text: str, *later: dict, **slots) -> str:
        return needs_wording(tracker(text, events=_after_needs_question(text, *later), **slots), NEEDS_DOMAIN)

    # a question back gets examples of what is on, not "Sorry, I did not get that"
    assert asked("like what?") == "utter_ask_needs_examples"
    assert asked("what have you got like?") == "utter_ask_needs_examples"
    # only a place: it is kept and said back, never asked for later
    place = {"event": "slot", "name": "location", "value": "Roker"}
    assert asked("roker", place, location="Roker") == "utter_ask_needs_place"
    # only when they are free
    days = {"event": "slot", "name": "days", "value": ["thursday"]}
    assert asked("im free thursday afternoons", days, days=["thursday"]) == "utter_ask_needs_when"
    # someone else, with nothing yet about what would help them
    assert asked("its for wor lass") == "utter_ask_needs_someone_else"
    # anything else not understood: the other wording, as before
    assert asked("how does this work") == "utter_ask_needs_again"


def test_the_same_acknowledgement_is_never_sent_twice_in_a_row():
    from actions.asking import needs_wording

    events = [{"event": "user", "text": "yes"},
              {"event": "bot", "text": "There is lots on, like coffee mornings. Which sounds good?"},
              {"event": "user", "text": "like what?"}]
    assert needs_wording(tracker("like what?", events=events), NEEDS_DOMAIN) == "utter_ask_needs"


def test_only_a_question_mark_or_dunno_to_the_needs_question_gets_examples():
    from actions.asking import needs_wording

    for text in ("?", "??", "eh?", "dunno really", "not sure"):
        events = _after_needs_question(text)
        assert needs_wording(tracker(text, events=events), NEEDS_DOMAIN) == "utter_ask_needs_examples", text


LOCATION_DOMAIN = {
    "responses": {
        "utter_ask_location": [{"text": "What is your postcode, or the name of your area?"}],
        "utter_ask_location_again": [{"text": "Which part of Sunderland are you in?"}],
        "utter_location_unknown": [{"text": "Sorry, I do not know that one. What is the nearest area?"}],
        "utter_location_why": [{"text": "I ask so I can find things near you."}],
    }
}


def _after_location_question(text: str) -> list[dict]:
    return [{"event": "user", "text": "a mens shed"},
            {"event": "bot", "text": "What is your postcode, or the name of your area?"},
            {"event": "user", "text": text}]


def test_the_place_question_again_says_what_the_reply_gave_instead():
    from actions.asking import location_wording

    def asked(text: str, **slots) -> str:
        return location_wording(tracker(text, events=_after_location_question(text), **slots), LOCATION_DOMAIN)

    # a place the directory does not know: said so, and the nearest area asked for
    assert asked("downhill estate") == "utter_location_unknown"
    assert asked("i live on chester road") == "utter_location_unknown"
    # only "?": why we ask
    assert asked("?") == "utter_location_why"
    assert asked("eh?") == "utter_location_why"
    # a question about something else: the other wording, as before
    assert asked("is it free? how much does it cost to go") == "utter_ask_location_again"


def test_the_same_place_explanation_is_never_sent_twice_in_a_row():
    from actions.asking import location_wording

    events = [{"event": "user", "text": "downhill"},
              {"event": "bot", "text": "Sorry, I do not know that one. What is the nearest area?"},
              {"event": "user", "text": "near the downhill shops"}]
    assert location_wording(tracker("near the downhill shops", events=events), LOCATION_DOMAIN) != "utter_location_unknown"


def test_a_no_to_keeping_things_taken_back_is_thanked_before_the_needs_question():
    from actions.asking import needs_wording

    domain = {"responses": {**NEEDS_DOMAIN["responses"],
                            "utter_ask_needs_consent_yes": [{"text": "Thank you, I will keep it safe. What would you like?"}]}}
    text = "actually go on then, you can keep my details"
    events = [{"event": "slot", "name": "consent_given", "value": False}, *_after_needs_question(text),
              {"event": "slot", "name": "consent_given", "value": True}]
    assert needs_wording(tracker(text, events=events, consent_given=True), domain) == "utter_ask_needs_consent_yes"
    events = [{"event": "slot", "name": "consent_given", "value": True}, *_after_needs_question("yes")]
    assert needs_wording(tracker("yes", events=events, consent_given=True), domain) == "utter_ask_needs_again"
