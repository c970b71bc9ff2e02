"""Every fixed bot message is plain, short and SMS-safe."""

from __future__ import annotations

import statistics
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from bot.gateway import messages as gateway_messages
from bot.policy import crisis, opt_out
from bot.policy.hours import WorkingHours, handoff_requested
from bot.text.readability import measure
from bot.text.sms_text import count_segments, is_gsm7

ROOT = Path(__file__).resolve().parent.parent
# Worst cases for the values filled in at run time: a long listing name, a goal at its
# 100-character cap (actions/goals.py), the longest check-in period.
EXAMPLE_VALUES = {
    "chosen_service_name": "Hendon and Grangetown Walking for Health",
    "goal_text": "go to the walking group every Tuesday with my sister and then have a cuppa at the cafe after",
    "goal": "go to the walking group every Tuesday with my sister and then have a cuppa at the cafe after",
    "when": "in 2 weeks",
    "location": "Houghton-le-Spring",
}


def domain_responses() -> dict[str, str]:
    found: dict[str, str] = {}
    for file in sorted((ROOT / "domain").glob("*.yml")):
        for name, variants in (yaml.safe_load(file.read_text()).get("responses") or {}).items():
            for i, variant in enumerate(variants):
                text = variant["text"]
                buttons = variant.get("buttons") or []
                if buttons:  # as SMS shows it: numbered options under the text
                    text += "\n" + "\n".join(f"{n} {b['title']}" for n, b in enumerate(buttons, start=1))
                found[f"{name}[{i}]"] = text.format(**EXAMPLE_VALUES) if "{" in text else text
    return found


def gateway_texts() -> dict[str, str]:
    return {k: v for k, v in vars(gateway_messages).items() if k.isupper() and isinstance(v, str)}


def policy_texts() -> dict[str, str]:
    """The texts of the rules in bot/policy/ that are sent by SMS, filled in at their longest."""
    return {
        "OPTED_OUT": opt_out.OPTED_OUT, "OPTED_IN": opt_out.OPTED_IN, "SAFETY_MESSAGE": crisis.SAFETY_MESSAGE,
        "SEEN_TODAY": crisis.SEEN_TODAY, "SEEN_LATER": crisis.SEEN_LATER.format(when="on Wednesday afternoon"),
        "DUTY_ALERT": crisis.DUTY_ALERT, "HANDOFF_REQUESTED": handoff_requested(WorkingHours()),
    }




@pytest.mark.parametrize("name", sorted(policy_texts()))
def test_policy_texts_fit_one_sms(name):
    assert count_segments(policy_texts()[name]).segments == 1, name


def test_the_handoff_text_and_the_safety_text_agree_on_the_working_hours():
    """Both come from the same hours: the handoff text names them, the safety text uses them."""
    default = WorkingHours()
    assert handoff_requested(default).endswith("They work weekdays, 9 to 5.")
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=timezone.utc)
    assert "on Monday morning" in crisis.follow_on(default, friday_evening)
    weekends = WorkingHours.parse("Sat-Sun", "10:00-14:00", "Europe/London", "none")
    assert handoff_requested(weekends).endswith("They work Saturdays, Sundays, 10 to 2.")
    assert "tomorrow morning" in crisis.follow_on(weekends, friday_evening)
    assert "on Saturday morning" in crisis.follow_on(weekends, datetime(2026, 12, 2, 18, 0, tzinfo=timezone.utc))
    assert crisis.follow_on(weekends, datetime(2026, 12, 5, 11, 0, tzinfo=timezone.utc)) == crisis.SEEN_TODAY


def test_no_domain_response_promises_hours_of_its_own():
    """Hours are said only by the policy texts, which read the settings."""
    assert not [name for name, text in domain_responses().items() if "9 to 5" in text or "weekday" in text]

# Worst cases for a listing as the matcher returns it: long name, several sessions, a long place,
# a long joining note (what a curator may write), and a price.
_LONG = dict(
    name="Hendon and Grangetown Walking for Health and Friendship Group",
    organization="Sunderland Community Health Partnership",
    description=("A gentle walk of about an hour at an easy pace, with a cuppa and a chat at the cafe after, "
                 "led by trained volunteers who know the area well and walk at the pace of the slowest walker."),
    when="Tuesdays 10am-11:30am, Thursdays 1pm-2:30pm and Saturdays 10am-11am",
    where="Hendon and Grangetown Community Centre, Durham Road, SR2 8PN",
    how_to_join=("Ask for Linda at the door. Bring comfy shoes, a drink and a coat. If you are not sure, "
                 "call Linda first on 0191 498 0123 and she will tell you where to meet the group."),
    cost="Pay as you feel",
)


def code_texts() -> dict[str, str]:
    """Texts the actions build in code, filled with the worst cases they can meet."""
    from actions.asking import ASKED_AGAIN
    from actions.goals import tidy_goal
    from actions.matching import describe, details_text
    from community_directory.geography import lookup_postcode
    from community_directory.matching import Match

    match = Match(service_id="x", distance_miles=12.3, reasons=[], is_demo=True, **_LONG)
    long_goal = tidy_goal("go to the walking group every Tuesday with my sister, and then have a cuppa at the cafe "
                          "after with the others if they are going and maybe a scone")
    offer = "Which one would you like? Reply with a number.\n" + "\n".join(
        f"{n} {t}" for n, t in enumerate([_LONG["name"][:40]] * 3 + ["More like these", "Something different"], start=1))

    class NoPostcodes:  # a directory with no postcode rows: every lookup fails
        def get(self, *args, **kwargs):
            return None

        def execute(self, *args, **kwargs):
            class Row:
                def one(self):
                    return (None, None)
            return Row()

    texts = {
        "match described (worst case)": describe(3, match),
        "matches offered": offer,
        "match details": details_text({"name": _LONG["name"], "description": _LONG["description"],
                                       "how_to_join": _LONG["how_to_join"]}),
        "match chosen": f"Great choice: {_LONG['name']}. {_LONG['how_to_join']}",
        "match chosen, cost asked": __import__("actions.matching", fromlist=["x"]).chosen_text(
            {**_LONG, "cost": "£4.50 per session, first one free"}, "ill take it but how much is it"),
        "choice corrected": f"OK, {_LONG['name']} then. {_LONG['how_to_join']}",
        "which one": "Which one? Reply with a number from 1 to 3.",
        "search changed": __import__("actions.matching", fromlist=["x"]).SEARCH_CHANGED,
        "still the best": __import__("actions.matching", fromlist=["x"]).STILL_THE_BEST,
        "nothing shown yet": "I have not shown you any groups yet. Tell me what you would like to do.",
        "goal read back (longest kept)": f"So your goal is: {long_goal}. Is that right?",
        "handoff asked again": __import__("actions.support", fromlist=["x"]).handoff_already(WorkingHours()),
        "postcode not found": "Sorry, I could not find that postcode. Please check it and send it again.",
    }
    from actions.privacy import stopped_text, what_we_keep_text
    from bot.records.consent import Withdrawn
    from bot.records.kept import Kept

    everything = Kept(True, goals=12, scores=36, progress=5, check_ins_planned=3, area="SR12", what_matters=True,
                      handoffs=2, notes=4, held_messages=9, answers=6)
    texts["what we keep (everything)"] = what_we_keep_text(everything)
    texts["what we keep (no consent)"] = what_we_keep_text(Kept(False, handoffs=1, answers=2))
    texts["what we keep (nothing)"] = what_we_keep_text(Kept(False))
    texts["stopped keeping (most deleted)"] = stopped_text(Withdrawn(goals=12, check_ins=5, scores=36))
    texts["stopped keeping (nothing kept)"] = stopped_text(Withdrawn(0, 0, 0))
    for query in ("not a postcode", "SR99", "SR9 9ZZ"):
        texts[f"postcode lookup: {query}"] = lookup_postcode(NoPostcodes(), query).message or ""
    assert len(ASKED_AGAIN) >= 6
    return texts


# Texts that carry a curator's words (names, joining notes) are checked for GSM-7 and length;
# their reading age is the curator's, so only our own words are scored.
CARRIES_LISTING_WORDS = {"match described (worst case)", "match details", "match chosen", "choice corrected"}
CODE = code_texts()


ALL = {**domain_responses(), **gateway_texts(), **policy_texts(), **CODE}


def test_there_are_responses_to_check():
    assert len(domain_responses()) >= 20


@pytest.mark.parametrize("name", sorted(ALL))
def test_message_is_gsm7_and_at_most_two_segments(name):
    text = ALL[name]
    assert is_gsm7(text), f"{name} has characters outside GSM-7"
    assert count_segments(text).segments <= 2, f"{name} takes {count_segments(text).segments} segments"


# The ONS wording is fixed (GSS harmonised standard): changing it would make the answers
# incomparable with every other ONS4 result, so its reading age is allowed, not "fixed".
# The anxiety question reads at about 13 because of its long scale sentence; the shorter
# items pass. See docs/outcomes.md, "ONS4 over SMS".
READING_AGE_EXCEPTIONS = {
    "utter_ask_ons_anxious_yesterday[0]": "ONS harmonised wording of the anxiety question, kept word for word",
}


@pytest.mark.parametrize("name", sorted(set(ALL) - CARRIES_LISTING_WORDS))
def test_message_reads_at_age_eleven_or_below(name):
    if name in READING_AGE_EXCEPTIONS:
        assert measure(ALL[name]).reading_age <= 14, name  # still checked: no worse than the ONS text itself
        return
    assert measure(ALL[name]).reading_age <= 11, name


def test_ons_questions_are_the_harmonised_wording_word_for_word():
    from bot.records.measures import ONS4_ITEMS

    for item in ONS4_ITEMS:
        assert ALL[f"{item.response}[0]"].startswith(item.harmonised), item.key


def test_messages_average_a_reading_age_of_nine_or_below():
    ages = [measure(t).reading_age for name, t in ALL.items() if name not in CARRIES_LISTING_WORDS]
    assert statistics.mean(ages) <= 9.0


def test_example_goal_is_at_the_cap_the_goal_form_keeps():
    from actions.goals import GOAL_MAX_CHARS

    assert GOAL_MAX_CHARS - 10 <= len(EXAMPLE_VALUES["goal_text"]) <= GOAL_MAX_CHARS


def test_every_placeholder_in_a_response_has_an_example_value():
    import re

    for file in sorted((ROOT / "domain").glob("*.yml")):
        for name, variants in (yaml.safe_load(file.read_text()).get("responses") or {}).items():
            for variant in variants:
                for key in re.findall(r"{(\w+)}", variant["text"]):
                    assert key in EXAMPLE_VALUES, f"{name} uses {{{key}}}"



def test_code_built_texts_are_sms_safe_once_rendered():
    """What the actions build goes through the same rendering as every reply (GSM-7, at most 3 parts)."""
    from bot.gateway.render import render

    for name, text in CODE.items():
        out, _ = render([{"text": text + " \u2019\u0142\u00e9\U0001F600"}], "sms")
        assert out and all(is_gsm7(o.body) for o in out), name
        assert len(out) == 1 and count_segments(out[0].body).segments <= 3, name
        assert "l" in out[0].body[-6:], name  # the l in "ł" made plain, not dropped


def test_a_long_goal_is_cut_at_a_clause_or_word_never_mid_word():
    from actions.goals import GOAL_MAX_CHARS, tidy_goal

    text = "go to the walking group every Tuesday with my sister, and then have a cuppa at the cafe after it"
    cut = tidy_goal(text + " every single week until christmas")
    assert len(cut) <= GOAL_MAX_CHARS and cut.endswith("...")
    import re

    assert text.startswith(cut[:-3]) and re.findall(r"\w+", cut)[-1] in re.findall(r"\w+", text)


def rendered_like_rasa(value: str) -> str:
    """What Rasa 3.6's response interpolator (rasa/core/nlg/interpolator.py) makes of a string with
    no slot placeholders: `{x}` would be taken for a slot, `{{`/`}}` stand for literal braces."""
    return value.replace("{{", "{").replace("}}", "}")


def button_payloads() -> list[tuple[str, str]]:
    found = []
    for file in sorted((ROOT / "domain").glob("*.yml")):
        for name, variants in (yaml.safe_load(file.read_text()).get("responses") or {}).items():
            for variant in variants:
                found += [(name, b["payload"]) for b in variant.get("buttons") or []]
    return found


def test_button_payloads_with_entities_reach_the_person_intact():
    """A payload like /choose_checkin{"checkin_period": "1_week"} must be written with doubled braces:
    Rasa interpolates button payloads too, takes single braces for a slot, and logs an ERROR for
    every such button it sends (225 in a 10-minute soak). Rendered, each is /intent{valid JSON}."""
    import json

    with_entities = [(name, payload) for name, payload in button_payloads() if "{" in payload]
    assert len(with_entities) >= 10
    for name, payload in with_entities:
        assert "{{" in payload and "}}" in payload, f"{name}: {payload} has single braces"
        intent, _, entities = rendered_like_rasa(payload).partition("{")
        assert intent.startswith("/") and isinstance(json.loads("{" + entities), dict), f"{name}: {payload}"
