"""A message the model could not place (nlu_fallback) is still read for needs in the needs form."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.support import ActionFallback
from bot.dialogue import contract


def tracker(text: str, *, loop: str | None = "needs_form", requested: str | None = "needs",
            metadata: dict | None = None, **slots: object) -> Tracker:
    return Tracker(
        sender_id="t",
        slots={"requested_slot": requested, "consent_given": False, **slots},
        latest_message={"text": text, "intent": {"name": "nlu_fallback"}, "entities": [], "metadata": metadata or {}},
        events=[{"event": "action", "name": "consent_form"}, {"event": "user", "text": text}],
        paused=False,
        followup_action=None,
        active_loop={"name": loop} if loop else {},
        latest_action_name="action_listen",
    )


def run(t: Tracker) -> tuple[list[dict], dict]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionFallback().perform(dispatcher, t, {"responses": {}}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_need_the_model_could_not_place_is_heard_without_a_sorry():
    text = "lost me mam last month, is there a berevement group"
    messages, slots = run(tracker(text))
    assert messages == []
    assert slots["needs"] == ["mental_wellbeing"] and slots["need_text"] == text


def test_words_with_no_need_still_get_the_rephrase_and_outside_the_needs_question_too():
    messages, slots = run(tracker("bleurgh"))
    assert [m.get("response") for m in messages] == ["utter_default"] and "needs" not in slots
    messages, slots = run(tracker("is there a berevement group", requested="location"))
    assert [m.get("response") for m in messages] == ["utter_default"] and "needs" not in slots


def test_a_plain_yes_or_no_to_the_consent_question_is_taken_without_a_sorry():
    for said, given in (("y", True), ("Yes.", True), ("1", True), ("n", False), ("no thanks", False)):
        messages, slots = run(tracker(said, loop="consent_form", requested="consent_given", consent_given=None))
        assert messages == [] and slots == {"consent_given": given}, said
    # anything else still gets the rephrase, and a "y" outside the consent question is no consent
    messages, slots = run(tracker("y not", loop="consent_form", requested="consent_given", consent_given=None))
    assert [m.get("response") for m in messages] == ["utter_default"] and "consent_given" not in slots
    messages, slots = run(tracker("y", consent_given=None))
    assert "consent_given" not in slots


def test_only_a_question_mark_to_the_needs_or_place_question_gets_no_sorry():
    # "?" is understood as "I am lost": the question that follows gives examples or says why we ask
    for requested in ("needs", "location"):
        for said in ("?", "eh?", "dunno"):
            messages, slots = run(tracker(said, requested=requested))
            assert messages == [] and slots == {"fallback_count": 0}, (requested, said)
    messages, _ = run(tracker("?", loop=None, requested=None))
    assert [m.get("response") for m in messages] == ["utter_default"]  # no question open: the rephrase


def test_no_sorry_after_the_safety_texts_for_the_same_message():
    # The gateway answered this message for safety and let it go on (unsure, or also a request):
    # "Sorry, I did not get that" straight after the safety texts would read as if nobody heard.
    answered = contract.metadata("sms", "in-1", answered_for_safety=True)
    messages, slots = run(tracker("bleurgh and i dont know what to do", metadata=answered))
    assert messages == [] and slots == {"fallback_count": 0}
    messages, _ = run(tracker("bleurgh and i dont know what to do", metadata=contract.metadata("sms", "in-2")))
    assert [m.get("response") for m in messages] == ["utter_default"]


def test_someone_else_who_looks_after_a_relative_is_heard_as_carers():
    messages, slots = run(tracker("my sister looks after our dad, he has parkinsons, she never gets a break"))
    assert messages == [] and "carers" in slots["needs"]
