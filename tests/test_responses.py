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


ALL = {**domain_responses(), **gateway_texts(), **policy_texts()}


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


@pytest.mark.parametrize("name", sorted(ALL))
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
    ages = [measure(t).reading_age for t in ALL.values()]
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

