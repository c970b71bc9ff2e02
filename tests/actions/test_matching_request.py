"""The matcher hears the person's own words: kinds, refusals and who it is for reach the request."""

from __future__ import annotations

from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.matching import build_request, describe, resident_text
from actions.needs_form import ValidateNeedsForm
from bot.text.sms_text import count_segments, is_gsm7
from community_directory.matching import Match


def conversation(*texts: str, reset_after: int | None = None, **slots: object) -> Tracker:
    events: list[dict[str, object]] = []
    for n, text in enumerate(texts):
        events.append({"event": "user", "text": text})
        if reset_after == n:
            events.append({"event": "action", "name": "action_different_matches"})
    return Tracker(sender_id="t", slots={"needs": ["loneliness"], "lat": 54.92, "lon": -1.37, **slots},
                   latest_message={"text": texts[-1], "intent": {"name": "inform"}, "entities": []},
                   events=events, paused=False, followup_action=None, active_loop={},
                   latest_action_name="action_listen")


def test_words_from_every_turn_of_this_search_reach_the_request() -> None:
    tracker = conversation("hi", "/affirm", "lunch club for my dad hes 84", "he uses a walker", "SR5 2LT",
                           needs=["loneliness", "parenting", "physical_activity"])
    assert resident_text(tracker) == "hi. lunch club for my dad hes 84. he uses a walker. SR5 2LT"
    request = build_request(tracker, exclude=[])
    assert request.kinds == ["lunch_club"] and request.for_someone_else
    assert request.needs == ["loneliness"]  # "dad" and "walker" were never needs
    assert request.about_person.age == 84 and request.about_person.mobility == "walking_aid"


def test_a_new_search_forgets_what_was_said_for_the_last_one() -> None:
    tracker = conversation("any art clubs", "something different", "im not a carer, just lonely", reset_after=1)
    request = build_request(tracker, exclude=[])
    assert request.kinds == [] and request.excluded_needs == ["carers"]
    assert request.about_person.is_carer is False


def test_the_needs_form_does_not_keep_a_need_that_was_refused() -> None:
    tracker = conversation("no im not after a job lol, just baby groups pls", needs=None)
    form = ValidateNeedsForm()
    heard = form.validate_needs(["employment", "parenting"], CollectingDispatcher(), tracker, {})
    assert heard == {"needs": ["parenting"]}
    assert form.validate_needs(["parenting"], CollectingDispatcher(),
                               conversation("lunch club for my dad hes 84"), {}) == {"needs": ["loneliness"]}


def test_each_match_says_why_within_two_texts() -> None:
    match = Match(service_id="x", name="Pallion Bereavement Support Group (demo listing name, quite long)",
                  organization="o", description="d", when="Every other Thursday 2pm-3:30pm",
                  where="Pallion Church Hall, SR4 6XX", how_to_join="Call 0191 498 0123 to book your first visit.",
                  cost="Free", distance_miles=2.1, reasons=["bereavement group", "2.1 miles", "free", "for over-60s"],
                  is_demo=True, fits=["bereavement group", "for over-60s"], last_verified=date(2026, 11, 1))
    text = describe(1, match)
    assert text.startswith("1) Pallion Bereavement Support Group (demo listing name, quite long). "
                           "Picked for: bereavement group, for over-60s. Every other Thursday")
    assert "2.1 miles away" in text and is_gsm7(text) and count_segments(text).segments <= 2


def test_it_has_to_be_free_said_with_the_need_limits_the_search() -> None:
    assert build_request(conversation("yoga or summat like that but it has to be free im skint"), exclude=[]).free_only
    assert not build_request(conversation("im free on tuesdays, something to get me out"), exclude=[]).free_only
    assert build_request(conversation("i use a wheelchair"), exclude=[]).access == ["wheelchair"]


def test_details_of_one_match_say_when_and_what_it_costs() -> None:
    from actions.matching import details_text

    item = {"name": "Pallion Gentle Yoga", "description": "Slow, gentle yoga for beginners. " * 12,
            "how_to_join": "Just turn up, no need to book.", "cost": "£4 per session", "when": "Mondays 10:30am-11:30am"}
    text = details_text(item)
    assert "Cost: £4 per session." in text and "Mondays 10:30am-11:30am." in text
    assert text.endswith("Just turn up, no need to book.") and count_segments(text).segments <= 2 and is_gsm7(text)
    assert "Free." in details_text({**item, "cost": "Free"})
    assert details_text({"name": "X", "description": "A group.", "how_to_join": "Call."}) == "X: A group. Call."


def test_a_change_of_mind_replaces_what_was_asked_for_before() -> None:
    tracker = conversation("yoga", "doxford", "no", "actually id rather do something arty",
                           needs=["physical_activity", "creative"])
    request = build_request(tracker, exclude=[])
    assert request.kinds == ["art"]  # the yoga is no longer wanted
    assert request.needs == ["creative"]


def test_one_more_need_added_is_not_a_change_of_mind() -> None:
    tracker = conversation("coffee morning", "hendon", "sorry, debt advice as well", needs=["loneliness", "money"])
    request = build_request(tracker, exclude=[])
    assert request.kinds == ["coffee_morning", "debt_advice"]
    assert request.needs == ["loneliness", "money"]


def test_a_change_of_mind_keeps_who_it_is_for() -> None:
    tracker = conversation("exercise class for my mam shes 81", "red house", "forget exercise, a lunch club instead",
                           needs=["physical_activity", "loneliness"])
    request = build_request(tracker, exclude=[])
    assert request.kinds == ["lunch_club"] and request.for_someone_else
    assert request.about_person.age == 81


def test_a_choice_that_asks_what_it_costs_is_told_the_cost() -> None:
    from actions.matching import chosen_text

    yoga = {"name": "Pallion Gentle Yoga", "cost": "£3 per session", "how_to_join": "Just turn up, no need to book."}
    assert "Cost: £3 per session." in chosen_text(yoga, "the second one sounds good but is it free?")
    assert "£" not in chosen_text(yoga, "the second one please")  # not asked: the short confirmation
    assert "Free." in chosen_text({**yoga, "cost": "free"}, "ill take that one, how much is it")


def test_a_change_of_mind_leaves_out_the_kind_they_moved_away_from() -> None:
    tracker = conversation("food bank", "hendon", "actually id rather somewhere i can learn to cook with other people",
                           needs=["food"])
    request = build_request(tracker, exclude=[])
    assert request.kinds == ["cooking"] and "food_bank" in request.excluded_kinds
    # a change of place only is no change of kind: the kind stays asked for
    tracker = conversation("food bank", "hendon", "sorry i meant pallion", needs=["food"])
    request = build_request(tracker, exclude=[])
    assert "food_bank" in request.kinds and "food_bank" not in request.excluded_kinds


def test_an_age_said_is_no_answer_to_the_preference_question() -> None:
    from actions.matching import preference_slots_set

    assert not preference_slots_set(conversation("something to keep me active, im 72", age_group="older"))
    assert preference_slots_set(conversation("mornings only", time_of_day="morning"))
