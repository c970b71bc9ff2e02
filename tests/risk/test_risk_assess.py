"""`bot.risk.assess`: the API the gateway calls, the request-too flag, reasons, and speed."""

from __future__ import annotations

import statistics
import time
from dataclasses import FrozenInstanceError

import pytest

from bot.policy.crisis import SAFETY_MESSAGE
from bot.risk import CATEGORIES, RiskAssessment, assess, warm_up
from bot.text.sms_text import count_segments, is_gsm7

OLD_GATEWAY_CRISIS = [
    ("I want to kill myself", "suicide"),
    ("i dont want to be here anymore", "suicide"),
    ("thinking about ending my life", "suicide"),
    ("im gonna end it all tonight", "suicide"),
    ("kms", "suicide"),
    ("i just want to disappear forever and never wake up", "suicide"),
    ("I've been self harming again", "self_harm"),
    ("i been cutting myself", "self_harm"),
    ("I took too many pills", "overdose"),
    ("my partner hits me and I'm scared for my life", "abuse"),
    ("he said he is going to kill me", "abuse"),
    ("my dad has chest pains and cant breathe", "medical_emergency"),
]
OLD_GATEWAY_HARMLESS = [
    "I'm dying for a cuppa",
    "my husband died last year and I'm lonely",
    "my mam passed away in May",
    "this traffic is killing me",
    "I could murder a bacon sandwich",
    "bored to death at home, want something to do",
    "the cakes there are to die for",
    "I'd like to learn to paint",
]


@pytest.fixture(scope="module", autouse=True)
def _loaded() -> None:
    warm_up()


@pytest.mark.parametrize("text,category", OLD_GATEWAY_CRISIS)
def test_everything_the_old_gateway_check_caught_is_still_caught(text: str, category: str) -> None:
    result = assess(text)
    assert result.is_risk and result.category == category


@pytest.mark.parametrize("text", OLD_GATEWAY_HARMLESS)
def test_old_gateway_harmless_messages_stay_harmless(text: str) -> None:
    assert not assess(text).is_risk


def test_the_issue_misses_are_now_caught() -> None:
    for text in (
        "I wish I was dead",
        "life isn't worth living",
        "I can't do this anymore",
        "they'd all be better off if I wasn't around",
        "took 20 paracetamol",
        "I have taken an OD",
        "been cutting again",
        "my bf hits me",
        "my husband hurt me",
        "she's not breathing",
        "my husband died and I've wanted to kill myself for months",
    ):
        assert assess(text).is_risk, text


def test_the_issue_false_alarms_are_gone() -> None:
    for text in (
        "looking for a domestic abuse support group",
        "I had a heart attack in 2020 and want a walking group",
        "I'm going to die my hair",
    ):
        result = assess(text)
        assert not result.is_risk, (text, result.reasons)


def test_assessment_is_a_frozen_dataclass_with_a_known_category() -> None:
    result = assess("my bf hits me")
    assert isinstance(result, RiskAssessment)
    assert result.category in CATEGORIES
    assert 0.0 <= result.score <= 1.0
    with pytest.raises(FrozenInstanceError):
        result.is_risk = False  # type: ignore[misc]
    empty = assess("")
    assert not empty.is_risk and empty.category is None and not empty.is_request_too


@pytest.mark.parametrize(
    "text",
    [
        "my bf hits me, any groups for women?",
        "my husband hurt me again, is there a support group near me",
        "i want to kill myself. looking for a walking group too",
        "he says he'll kill me. can you help with housing",
    ],
)
def test_risk_that_is_also_a_request(text: str) -> None:
    result = assess(text)
    assert result.is_risk and result.is_request_too, result.reasons
    assert any(r.startswith("request") for r in result.reasons)


@pytest.mark.parametrize(
    "text",
    ["my bf hits me", "took 20 paracetamol", "i wish i was dead", "did you take any pills? i took 20 paracetamol"],
)
def test_risk_alone_is_not_a_request(text: str) -> None:
    result = assess(text)
    assert result.is_risk and not result.is_request_too, result.reasons


def test_request_cue_inside_the_risky_words_does_not_count() -> None:
    # "any" is part of "took any more" here, not a request
    result = assess("i cant take any more")
    assert result.is_risk and not result.is_request_too


def test_reasons_name_lexicon_lines_not_the_message_text() -> None:
    result = assess("Zebedee says he'll kill me, my bf hits me")
    assert result.reasons
    assert any(r.startswith("lexicon A") for r in result.reasons)
    assert not any("zebedee" in r.lower() for r in result.reasons)


def test_a_harmless_idiom_reports_why_it_was_cancelled() -> None:
    result = assess("dying for a cuppa")
    assert not result.is_risk
    assert any(r.startswith("cancelled by C01") for r in result.reasons)


def test_classifier_score_is_reported_even_without_a_lexicon_hit() -> None:
    result = assess("i want to go to a choir on tuesdays")
    assert not result.is_risk
    assert result.score < 0.5


def test_fast_enough_for_every_inbound_message() -> None:
    texts = [t for t, _ in OLD_GATEWAY_CRISIS] + OLD_GATEWAY_HARMLESS
    texts = texts * 10
    timings = []
    for text in texts:
        started = time.perf_counter()
        assess(text)
        timings.append(time.perf_counter() - started)
    # median, not max: two shared cores make single calls jump when another process runs
    assert statistics.median(timings) < 0.005


def test_safety_message_names_every_route_and_fits_sms() -> None:
    """What a hit triggers (kept from the retired bot/gateway/safety.py tests): every route, one SMS or two."""
    for must in ("999", "116 123", "SHOUT", "85258", "111"):
        assert must in SAFETY_MESSAGE
    assert is_gsm7(SAFETY_MESSAGE)
    assert count_segments(SAFETY_MESSAGE).segments <= 2


@pytest.mark.parametrize(
    "text",
    [
        "i look after me dad hes 84, he needs getting out the house and i could do with a break meself",
        "im looking after my mam full time, could do with some support",
        "my brother is 40 and hes struggling, he wont ask for help himself",
    ],
)
def test_a_carer_asking_for_a_break_or_for_someone_who_will_not_ask_is_a_request(text: str) -> None:
    # If anything in it is read as risk, the safety reply goes and the request is still answered.
    from bot.risk.lexicon import default_lexicon

    lexicon = default_lexicon()
    assert [hit.line.id for hit in lexicon.request_hits(lexicon.scan(text))], text


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("just separated and struggling with money, need somewhere to take the kids at weekends", True),
        ("we want somewhere to go on a saturday with the bairns", True),
        ("im struggling with the bills since he left", True),
        ("im struggling", False),  # no request in it: the safety reply alone
        ("theres nowhere to go, i cant see the point", False),
    ],
)
def test_somewhere_to_go_or_money_struggles_are_a_request(text: str, asks: bool) -> None:
    from bot.risk.lexicon import default_lexicon

    lexicon = default_lexicon()
    hits = [hit.line.id for hit in lexicon.request_hits(lexicon.scan(text))]
    assert bool(hits) is asks, (text, hits)


@pytest.mark.parametrize(
    "text",
    [
        "can sum1 help me wiv me universal credit claim its all gone wrong",
        "can sum1 help me wiv me universal credit claim",
        "can someone help me fill in my pip form",
        "my benefits have been stopped",
        "help me sort out my council tax bill",
    ],
)
def test_help_with_a_claim_benefits_or_a_form_is_a_request(text: str) -> None:
    # Session 11 (R09): when the classifier flags such a text, the money need must still carry on.
    from bot.risk.lexicon import default_lexicon

    lexicon = default_lexicon()
    assert [hit.line.id for hit in lexicon.request_hits(lexicon.scan(text))], text


@pytest.mark.parametrize(
    "text",
    [
        "can sum1 help me wiv me universal credit claim its all gone wrong",  # scenario grindon-universal-credit-gone-wrong
        "stuck in with the bairn all day n im going round the bend",  # scenario town-end-farm-stuck-in-...
        "my friends husband has dementia and shes really struggling looking after him",  # roker-friend-husband-...
        "my sister looks after our dad, he has parkinsons, she never gets a break",  # doxford-sister-looks-after-...
    ],
)
def test_a_need_told_in_worried_words_is_not_lost(text: str) -> None:
    # Either not flagged, or flagged and still a request, so the dialogue goes on to the need.
    result = assess(text)
    assert not result.is_risk or result.goes_on, result.reasons


@pytest.mark.parametrize(
    "text",
    [
        "my sister will strangle me if i forget her birthday",
        "feel like death warmed up with this cold",
        "my husband has got a cold and thinks hes dying",
        "we walked to the bridge and fed the ducks",
        "i'm not self harming, i just want to talk",
        "not cutting myself, just want a chat",
        "how many tablets are in a packet of paracetamol",
    ],
)
def test_session_11_idioms_are_not_risk(text: str) -> None:
    assert not assess(text).is_risk, assess(text).reasons


@pytest.mark.parametrize(
    "text",
    [
        "my husband will strangle me if i tell anyone",
        "going round the bend and want to kill myself",
        "walked to the bridge and jumped",
        "i feel like death, i want to end it",
        "im not self harming but i want to kill myself",
        "im not cutting myself but i want to",
        "how many tablets are in a packet, i have taken two packets",
    ],
)
def test_session_11_idiom_cancels_leave_other_risk_alone(text: str) -> None:
    assert assess(text).is_risk, text


class _FixedScore:
    """A classifier that gives every text one score (the sure/unsure rule is under test, not the model)."""

    threshold, version = 0.35, "test"

    def __init__(self, score: float) -> None:
        self._score = score

    def score(self, text: str) -> float:
        return self._score


@pytest.mark.parametrize(
    ("text", "score", "sure"),
    [
        ("my husband passed in march and ive not been out since", 0.45, False),  # classifier only, unsure
        ("my husband passed in march and ive not been out since", 0.95, True),  # classifier only, sure
        ("i wish i was dead", 0.45, True),  # a lexicon line is always sure
    ],
)
def test_only_a_sure_sign_of_risk_ends_the_conversation(monkeypatch, text: str, score: float, sure: bool) -> None:
    import bot.risk as risk

    monkeypatch.setattr(risk, "_get_classifier", lambda: _FixedScore(score))
    result = assess(text)
    assert result.is_risk and result.is_sure is sure, result.reasons
    assert result.goes_on is (not sure)  # none of these asks for anything
    assert any(r.startswith("unsure") for r in result.reasons) is (not sure)
