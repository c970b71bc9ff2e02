"""The whole message is read before its slots are kept, in a form or not."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.slot_validation import ValidateSlotMappings, previous_value

DOMAIN = {"slots": {}, "forms": {}}


def tracker(
    text: str,
    *,
    intent: str = "express_need",
    entities: list | None = None,
    loop: str | None = None,
    before: dict | None = None,
    now: dict | None = None,
) -> Tracker:
    """A tracker whose slots were `before` until the latest message, which set `now`."""
    before, now = before or {}, now or {}
    events = [{"event": "slot", "name": k, "value": v} for k, v in before.items()]
    events.append(
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": entities or []}}
    )
    events += [{"event": "slot", "name": k, "value": v} for k, v in now.items()]
    return Tracker(
        sender_id="t",
        slots={**before, **now},
        latest_message={"text": text, "intent": {"name": intent}, "entities": entities or []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": loop} if loop else {},
        latest_action_name="action_listen",
    )


def run(t: Tracker) -> dict:
    events = asyncio.run(ValidateSlotMappings().run(CollectingDispatcher(), t, DOMAIN))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def need(text: str, words: str, value: str) -> dict:
    start = text.index(words)
    return {"entity": "need", "value": value, "start": start, "end": start + len(words)}


def test_a_refused_need_the_model_tagged_is_dropped_and_the_words_kept():
    text = "im not a carer, i just want to get out the house and meet people"
    ents = [need(text, "carer", "carers"), need(text, "meet people", "loneliness")]
    slots = run(tracker(text, entities=ents, now={"needs": ["carers", "loneliness"]}))
    assert slots["needs"] == ["loneliness"]
    assert slots["need_text"] == text


def test_a_junk_span_during_the_goal_never_replaces_the_needs():
    text = "have one cuppa just for me"
    ents = [{"entity": "need", "value": "have one", "start": 0, "end": 8}]
    slots = run(
        tracker(text, entities=ents, loop="goal_form", before={"needs": ["carers"]}, now={"needs": ["have one"]})
    )
    assert slots["needs"] == ["carers"]
    assert "need_text" not in slots


def test_not_after_a_job_said_later_takes_jobs_off():
    slots = run(tracker("not after a job tho", intent="deny", before={"needs": ["employment", "parenting"]}))
    assert slots["needs"] == ["parenting"]


def test_a_walker_is_access_not_a_walk():
    text = "lunch club for my dad hes 84, he uses a walker"
    slots = run(tracker(text, entities=[need(text, "lunch club", "loneliness")], now={"needs": ["loneliness"]}))
    assert slots["needs"] == ["loneliness"]
    assert "mobility" in slots["access"]


def test_new_days_replace_the_old_ones_and_closer_to_a_place_moves_the_search():
    slots = run(tracker("any art groups on a weekday evening instead?", before={"days": ["weekend"]}))
    assert slots["days"] == ["weekdays"] and slots["time_of_day"] == "evening"
    slots = run(
        tracker(
            "is there not owt closer to hendon? i dont drive",
            intent="request_different",
            before={"location": "Silksworth", "needs": ["creative"]},
        )
    )
    assert slots["location"] == "Hendon" and slots["lat"] and "no_transport" in slots["access"]
    assert slots["max_miles"] == 1.5


def test_previous_value_is_the_one_before_the_latest_message():
    t = tracker("x", before={"needs": ["money"]}, now={"needs": ["food"]})
    assert previous_value(t, "needs") == ["money"]


def test_words_that_look_like_days_or_times_in_passing_are_not():
    slots = run(tracker("i am lonely, i sat in all day yesterday", before={"needs": ["loneliness"]}))
    assert "days" not in slots and "time_of_day" not in slots
    slots = run(tracker("anything in sunderland for me, on tues at 10 am", before={"location": "SR2 8PN"}))
    assert "location" not in slots and slots["days"] == ["tuesday"] and slots["time_of_day"] == "morning"


def test_free_only_said_in_passing_is_kept_but_free_on_a_day_is_not():
    text = "yoga or summat like that but it has to be free im skint"
    slots = run(tracker(text, entities=[need(text, "yoga", "physical_activity")], now={"needs": ["physical_activity"]}))
    assert slots["cost"] == "free" and slots["needs"] == ["physical_activity"]
    assert "cost" not in run(tracker("im free on tuesdays for a walk"))


def test_a_place_named_with_the_need_is_kept_so_it_is_not_asked():
    text = "lunch club for my dad hes 84 he lives in southwick, he uses a walker"
    slots = run(
        tracker(
            text, entities=[need(text, "lunch club", "loneliness")], loop="needs_form", now={"needs": ["loneliness"]}
        )
    )
    assert slots["location"] == "Southwick" and slots["lat"]
    assert "location" not in run(tracker("go every week", loop="goal_form"))


def test_a_cost_span_that_says_free_is_free():
    slots = run(
        tracker(
            "it has to be free im skint",
            entities=[{"entity": "cost", "value": "free im skint"}],
            now={"cost": "free im skint"},
        )
    )
    assert slots["cost"] == "free"


def test_a_day_said_for_the_check_in_or_the_goal_is_not_a_search_limit():
    slots = run(tracker("week on wednesday would be good", intent="choose_checkin", loop="goal_form",
                        entities=[{"entity": "day", "value": "wednesday"}], before={"days": ["weekend"]},
                        now={"days": ["wednesday"]}))
    assert slots["days"] == ["weekend"]


def test_the_time_the_model_heard_in_a_refusal_gives_way_to_the_time_wanted():
    text = "can it be an afternoon one instead? i cant do mornings"
    start = text.index("mornings")
    entity = {"entity": "time_of_day", "value": "morning", "start": start, "end": start + 8}
    slots = run(tracker(text, intent="inform_availability", entities=[entity], now={"time_of_day": "morning"}))
    assert slots["time_of_day"] == "afternoon"
    slots = run(tracker("mornings", intent="inform_availability",
                        entities=[{"entity": "time_of_day", "value": "morning", "start": 0, "end": 8}],
                        now={"time_of_day": "morning"}))
    assert slots["time_of_day"] == "morning"


def test_other_ways_of_asking_for_closer_tighten_the_circle():
    for text in ("thats miles away", "i cant get that far", "owt more local?"):
        slots = run(tracker(text, intent="request_different", before={"location": "Roker", "needs": ["creative"]}))
        assert slots.get("max_miles") == 2.0, text
    assert "max_miles" not in run(tracker("i walk miles every day", before={"needs": ["physical_activity"]}))


def test_a_place_turned_down_is_not_where_to_look():
    text = "sorry i meant roker not pallion"
    start = text.index("pallion")
    ents = [{"entity": "place", "value": "Pallion", "start": start, "end": start + 7}]
    slots = run(tracker(text, intent="request_different", entities=ents, before={"location": "Pallion"},
                        now={"location": "Pallion"}))
    assert slots["location"] == "Roker"


def test_a_misspelt_place_the_model_heard_is_placed():
    slots = run(tracker("silksworh", intent="inform_location", now={"location": "silksworh"}))
    assert slots["location"] == "Silksworth"


def test_free_day_is_a_day_not_a_cost():
    text = "any coffee mornings on a wednesday? thats me only free day"
    start = text.index("day", text.index("free"))
    ents = [{"entity": "day", "value": "day", "start": start, "end": start + 3}]
    slots = run(tracker(text, intent="inform_availability", entities=ents, now={"days": ["day"]}))
    assert slots["days"] == ["wednesday"]
    assert slots.get("cost") is None
    assert slots.get("time_of_day") is None  # a coffee morning is what, not when


def test_a_number_is_an_age_only_when_the_words_say_so():
    text = "me dog died last week, had him 14 year, im in bits"
    start = text.index("14")
    ents = [{"entity": "age_group", "value": "young_people", "start": start, "end": start + 2}]
    slots = run(tracker(text, intent="ask_details", entities=ents, now={"age_group": "young_people"}))
    assert slots["age_group"] is None
    text = "anything for my lad hes 14"
    start = text.index("14")
    ents = [{"entity": "age_group", "value": "young_people", "start": start, "end": start + 2}]
    slots = run(tracker(text, entities=ents, now={"age_group": "young_people"}))
    assert slots["age_group"] == "young_people"


def test_daytime_only_is_a_time_of_day():
    slots = run(tracker("something for my anxiety but it has to be in the daytime, i dont go out when its dark"))
    assert slots["time_of_day"] == "daytime"


def test_a_nightmare_is_no_evening():
    slots = run(tracker("something social, but the buses are a nightmare"))
    assert slots.get("time_of_day") is None


def test_a_greeting_that_names_a_kind_keeps_the_words():
    slots = run(tracker("hiya, any knit groups round here?", intent="greet"))
    assert slots["need_text"] == "hiya, any knit groups round here?"


def test_the_day_of_a_group_they_already_go_to_or_a_day_gone_by_is_no_limit():
    def day(text: str, words: str) -> dict:
        start = text.index(words)
        return {"entity": "day", "value": words.rstrip("s"), "start": start, "end": start + len(words)}

    text = "i go to the mens shed on mondays, want summat at the weekend an all"
    slots = run(tracker(text, entities=[day(text, "mondays")], now={"days": ["monday"]}))
    assert slots["days"] == ["weekend"]
    # "another day" than the one they go on: any day but that one
    text = "i go to the knit and natter on thursdays, want summat else to do on another day"
    slots = run(tracker(text, entities=[day(text, "thursdays")], now={"days": ["thursday"]}))
    assert slots["days"] == ["monday", "tuesday", "wednesday", "friday", "saturday", "sunday"]
    # "not spoke to a soul since monday": when it has been, not when they are free
    text = "havent spoke to a single person since monday"
    slots = run(tracker(text, entities=[day(text, "monday")], now={"days": ["monday"]}))
    assert not slots.get("days")
    # a day wanted is still a day wanted
    text = "anything on a monday"
    assert run(tracker(text, entities=[day(text, "monday")], now={"days": ["monday"]}))["days"] == ["monday"]


def test_a_day_turned_down_is_every_other_day_not_that_day():
    # the model tags "wednesdays" in "not wednesdays": the words say it is the day they cannot do
    text = "not wednesdays, i have the grandbairns"
    entity = {"entity": "day", "value": "wednesday", "start": 4, "end": 14}
    slots = run(tracker(text, intent="inform_availability", entities=[entity], now={"days": ["wednesday"]}))
    assert "wednesday" not in slots["days"] and "thursday" in slots["days"] and len(slots["days"]) == 6
    slots = run(tracker("any day but monday", intent="inform_availability",
                        entities=[{"entity": "day", "value": "monday", "start": 12, "end": 18}],
                        now={"days": ["monday"]}))
    assert "monday" not in slots["days"] and "sunday" in slots["days"]


def test_a_no_to_keeping_things_taken_back_is_kept_and_recorded_as_a_yes(monkeypatch):
    import contextlib

    import actions.consent
    from actions.slot_validation import gives_consent_after_all

    recorded: list[bool] = []
    # the consent form's own recording (actions/consent.record_keep_answer), without a database
    monkeypatch.setattr(actions.consent, "db", lambda: contextlib.nullcontext(object()))
    monkeypatch.setattr(actions.consent, "person_for", lambda session, tracker: object())
    monkeypatch.setattr(actions.consent, "consent_wording", lambda tracker, domain: "Can I keep what you tell me?")
    monkeypatch.setattr(actions.consent, "record_consent", lambda session, person, kind, given, *a: recorded.append(given))

    said = "actually go on then, you can keep my details"
    assert run(tracker(said, intent="affirm", loop="needs_form", before={"consent_given": False}))["consent_given"] is True
    assert recorded == [True]
    assert gives_consent_after_all("sorry i meant yes")
    # still a no, or never asked: nothing changes
    for text in ("no i dont want you to keep anything", "a coffee morning", "yes"):
        assert not gives_consent_after_all(text), text
    assert "consent_given" not in run(tracker(said, intent="affirm", loop="needs_form", before={"consent_given": True}))
    assert "consent_given" not in run(tracker(said, intent="affirm", loop="consent_form", before={"consent_given": False}))
    assert recorded == [True]


def test_a_day_the_model_heard_but_the_words_took_back_is_not_kept():
    text = "a health walk, tuesdays, no wait i mean thursdays"
    days = [{"entity": "day", "value": d, "start": text.index(w), "end": text.index(w) + len(w)}
            for d, w in (("tuesday", "tuesdays"), ("thursday", "thursdays"))]
    assert run(tracker(text, entities=days, now={"days": ["tuesday", "thursday"]}))["days"] == ["thursday"]
    text = "tuesdays or thursdays"  # both wanted: both kept
    days = [{"entity": "day", "value": d} for d in ("tuesday", "thursday")]
    assert run(tracker(text, entities=days, now={"days": ["tuesday", "thursday"]}))["days"] == ["tuesday", "thursday"]
