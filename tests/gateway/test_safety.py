import pytest

from bot.gateway.safety import check_message
from bot.policy.crisis import SAFETY_MESSAGE
from bot.text.sms_text import count_segments, is_gsm7

CRISIS = [
    ("I want to kill myself", "suicide"),
    ("i dont want to be here anymore", "suicide"),
    ("thinking about ending my life", "suicide"),
    ("im gonna end it all tonight", "suicide"),
    ("kms", "suicide"),
    ("i just want to disappear forever and never wake up", "suicide"),
    ("I've been self harming again", "self_harm"),
    ("i been cutting myself", "self_harm"),
    ("I took too many pills", "self_harm"),
    ("my partner hits me and I'm scared for my life", "abuse"),
    ("he said he is going to kill me", "abuse"),
    ("my dad has chest pains and cant breathe", "medical_emergency"),
]
HARMLESS = [
    "I'm dying for a cuppa",
    "my husband died last year and I'm lonely",
    "my mam passed away in May",
    "this traffic is killing me",
    "I could murder a bacon sandwich",
    "bored to death at home, want something to do",
    "the cakes there are to die for",
    "I'd like to learn to paint",
]


@pytest.mark.parametrize("text,kind", CRISIS)
def test_risk_to_life_is_detected(text, kind):
    result = check_message(text)
    assert result.is_crisis and result.kind == kind


@pytest.mark.parametrize("text", HARMLESS)
def test_everyday_idioms_and_past_deaths_do_not_trigger(text):
    assert not check_message(text).is_crisis


def test_safety_message_names_every_route_and_fits_sms():
    for must in ("999", "116 123", "SHOUT", "85258", "111"):
        assert must in SAFETY_MESSAGE
    assert is_gsm7(SAFETY_MESSAGE)
    assert count_segments(SAFETY_MESSAGE).segments <= 2
