"""The reviewed lexicon: each category fires on its own wordings, hard negatives do not, and an
idiom or a past event cancels only its own words.

Every example here was written for these tests by the detector's author (not taken from the
evaluation set in tests/safety/).
"""

from __future__ import annotations

import pytest
import yaml

from bot.risk.lexicon import (
    CATEGORIES,
    LEXICON_PATH,
    Lexicon,
    LexiconError,
    check_bounded,
    default_lexicon,
)

MUST_FIRE = {
    "suicide": [
        "I wish I was dead",
        "life isn't worth living",
        "I can't do this anymore",
        "they'd all be better off without me",
        "im gonna end it tonight",
        "kms",
        "i want to kill meself",
        "ive got 20 sertraline and a bottle of wine",
        "got a box of co-codamol in front of me",
        "left letters for the kids",
        "im stood on the bridge",
        "said goodbye to everyone",
        "dont want to wake up tomorrow",
        "nee point gannin on",
        "i feel sucidal",
    ],
    "self_harm": [
        "been cutting again", "i keep hurting myself", "urge to self harm is bad tonight", "i burnt my arm on purpose",
    ],
    "overdose": [
        "took 20 paracetamol", "I have taken an OD", "ive swallowed all me tablets", "i necked a packet of sertraline",
    ],
    "abuse": [
        "my bf hits me", "my husband hurt me", "he says he'll kill me", "me fella batters us",
        "i dont feel safe at home",
    ],
    "medical_emergency": [
        "she's not breathing",
        "my dad has collapsed",
        "really bad chest pain",
        "her face has dropped and her speech is slurred",
        "he's having a seizure",
    ],
    "child_at_risk": [
        "the kids next door are left on their own all night",
        "my partner hits my son",
        "im 14 and my stepdad hits me",
        "my toddler swallowed some of my tablets",
    ],
}

MUST_NOT_FIRE = [
    "dying for a cuppa",
    "just killing time before the bus",
    "I'm going to die my hair",
    "the lunch club is dead canny",
    "my husband died last year and I'm lonely",
    "I had a heart attack in 2020 and want a walking group",
    "looking for a domestic abuse support group",
    "watched a film about suicide on telly",
    "there was a stabbing on the news",
    "I used to self harm years ago but I'm fine now",
    "my feet are killing me after the walk",
    "is there a bridge club",
    "i take 2 paracetamol for my back",
    "I'm not suicidal, just lonely",
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return default_lexicon()


@pytest.mark.parametrize("category,text", [(c, t) for c, ts in MUST_FIRE.items() for t in ts])
def test_each_category_fires_on_its_wordings(lexicon: Lexicon, category: str, text: str) -> None:
    scan = lexicon.scan(text)
    assert scan.risks, f"no risk line fired for {text!r} (normalised {scan.normalised!r})"
    assert scan.category == category


@pytest.mark.parametrize("text", MUST_NOT_FIRE)
def test_hard_negatives_do_not_fire(lexicon: Lexicon, text: str) -> None:
    scan = lexicon.scan(text)
    assert not scan.risks, [h.line.id for h in scan.risks]


@pytest.mark.parametrize(
    "text,harmless_words",
    [
        ("my husband died and I've wanted to kill myself for months", "husband died"),
        ("I'm dying for a cuppa and I want to die", "dying for a cuppa"),
        ("killing time till the bus, then I'll take my own life", "killing time"),
        ("my mam passed away in 2019 and I've taken 30 paracetamol", "mam passed away"),
        ("had a heart attack in 2020, now my chest pain is crushing", "had a heart attack in 2020"),
        ("looking for a domestic abuse support group, my bf hits me", "domestic abuse support group"),
        ("watched a film about suicide and now I keep thinking about killing myself", "film about suicide"),
    ],
)
def test_idioms_and_past_events_cancel_only_their_own_words(lexicon: Lexicon, text: str, harmless_words: str) -> None:
    scan = lexicon.scan(text)
    assert scan.cancels, "the harmless phrase should have been recognised"
    start = scan.normalised.find(lexicon.normalise(harmless_words))
    assert start >= 0
    assert set(scan.masked[start : start + len(lexicon.normalise(harmless_words))]) <= {"~", " "}
    assert scan.risks, "risk elsewhere in the message must still fire"
    for hit in scan.risks:
        assert "~" not in scan.masked[hit.start : hit.end]


def test_cancelling_never_reaches_beyond_its_match(lexicon: Lexicon) -> None:
    """The old net deleted everything from "died" to a later time word; this one cannot."""
    text = "my dad died and since then i have wanted to end my life every single day for years"
    scan = lexicon.scan(text)
    assert scan.risks
    masked_words = [w for w in scan.masked.split() if set(w) == {"~"}]
    assert len(masked_words) <= 6


def test_cancel_patterns_must_be_bounded() -> None:
    for bad in (r"died.*ago", r"died[^.]*ago", r"died(?: \w+)*ago", r"died(?: \w+){0,20} ago", r"died\s+ago"):
        with pytest.raises(LexiconError):
            check_bounded(bad, "T1")
    check_bounded(r"dying (?:for|to) (?:a )?\w+(?: \w+){0,3}", "T2")


def test_every_line_is_reviewed_with_id_category_and_reason() -> None:
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    for entry in data["risk"]:
        assert entry["category"] in CATEGORIES and entry["reason"] and entry["layer"]
    for entry in data["cancel"]:
        assert entry["kind"] in {"idiom", "history", "negation", "media", "support", "other"} and entry["reason"]
    assert {e["category"] for e in data["risk"]} == set(CATEGORIES)


def test_lexicon_refuses_unknown_category_and_duplicate_ids() -> None:
    base = {"version": 1, "vocab": {}, "cancel": [], "request": []}
    with pytest.raises(LexiconError):
        Lexicon({**base, "risk": [{"id": "X1", "category": "sadness", "layer": "x", "pattern": "sad", "reason": "r"}]})
    line = {"id": "X1", "category": "suicide", "layer": "x", "pattern": "die", "reason": "r"}
    with pytest.raises(LexiconError):
        Lexicon({**base, "risk": [line, line]})


@pytest.mark.parametrize(
    "raw,normalised",
    [
        ("I CAN'T do this anymore!!!", "i cant do this anymore"),
        ("u wanna kms?", "you want to kill myself"),
        ("i dont wanna live no more", "i dont want to live anymore"),
        ("took twenty five paracetemol", "took 25 paracetamol"),
        ("me mam's took her tabs", "me mams took her tablets"),
        ("i feel suicdal", "i feel suicidal"),
        ("im gonna od", "im going to overdose"),
    ],
)
def test_normalisation_reads_text_speak_dialect_and_typos(lexicon: Lexicon, raw: str, normalised: str) -> None:
    assert lexicon.normalise(raw) == normalised


def test_odd_is_not_an_overdose_but_text_speak_for_one_still_is():
    """"od'd", "oded" and "odd on" are text-speak for overdosed; plain "odd" is an ordinary word
    ("shes 80 odd", "odd jobs") and once made a neighbour's age an overdose."""
    lexicon = default_lexicon()
    assert lexicon.normalise("shes 80 odd and housebound") == "shes 80 odd and housebound"
    assert lexicon.normalise("that was odd") == "that was odd"
    for said in ("i od'd last night", "i oded", "she odd on her tablets"):
        assert "overdosed" in lexicon.normalise(said), said


# Session 6 lines (from bot/risk/data/dev_session6*.yml, never from a check or evaluation set).
SESSION6_FIRES = [
    ("nobody needs to worry about me after tomorrow", "S69"),
    ("ready to leave this world", "S70"),
    ("i'm going to finish myself off tonight", "S71"),
    ("he wants to go to sleep forever", "S71"),
    ("i'll be six feet under by friday", "S72"),
    ("im going to step off the platform when the express comes through", "S73"),
    ("my husband says hell put me in hospital next time", "A40"),
    ("hes going to break my legs", "A40"),
    ("my daughter took an overdose at school today", "O02"),
    ("i used to self harm and now ive started again this week", "H01"),
    ("can you die from taking all your antidepressants", "S74"),
    ("its the end of the road for me, i am going", "S75"),
    ("i think i took too much of my morphine", "O40"),
    ("my friend has taken a full blister of her sleeping pills", "O40"),
]
SESSION6_CANCELLED = [
    ("my husband will kill me if i spend more", "C140"),
    ("shes going to murder me for forgetting the milk", "C140"),
    ("my mams going to kill me, i lost my keys again", "C140"),
    ("i use an epipen, had a bad reaction in 2020", "C147"),
    ("my son was nipped by a dog last year and is scared of them now", "C149"),
    ("my lips are purple from the blackberries", None),
    ("this traffic will be the end of me", "C150"),
    ("i never said i wanted to die, i said i was tired of the weather", "C151"),
    ("ive had chest pains checked and its acid reflux", "C152"),
    ("nobody hits me, i just get lonely", "C141"),
    ("i dont self harm, i just worry a lot", "C142"),
    ("i had a blood clot in my leg in the summer", "C143"),
    ("putting my affairs in order for my power of attorney", "C144"),
    ("i have a prescription for 100 tablets of metformin", "C145"),
    ("i dont feel suicidal", "C146"),
    ("never self harmed in my life", "C146"),
    ("i carry an epipen", "C147"),
    ("he hasnt threatened me, he just shouts at the telly", "C148"),
    ("got my tablets lined up in the pill box for the week", None),
    ("i have decided today is the day i start running", None),
]
# The same shapes with real risk: the session 6 cancels must not swallow these.
SESSION6_STILL_RISK = [
    "he will kill me if i leave",
    "my dad will kill me if i dont give him money",
    "i dont self harm but i want to",
    "i dont feel suicidal but i want to die",
    "he hasnt hit me until tonight",
    "we have an epipen but its not working",
    "i have to use an epipen now",
    "putting my affairs in order",
    "im not hurting myself but i want to",
    "got the tablets lined up on the table and a glass of water",
    "he is going to kill me i lost the baby",
    "ill be gone by morning",
    "his lips are purple",
    "i never said i wanted to die but i do",
]


@pytest.mark.parametrize("text,line_id", SESSION6_FIRES)
def test_session6_risk_lines_fire(lexicon: Lexicon, text: str, line_id: str) -> None:
    assert line_id in {hit.line.id for hit in lexicon.scan(text).risks}


@pytest.mark.parametrize("text,line_id", SESSION6_CANCELLED)
def test_session6_harmless_shapes_are_cancelled(lexicon: Lexicon, text: str, line_id: str | None) -> None:
    scan = lexicon.scan(text)
    assert not scan.risks, [h.line.id for h in scan.risks]
    if line_id is not None:  # None: an exception inside a risk line, not a cancel line
        assert line_id in {hit.line.id for hit in scan.cancels}


@pytest.mark.parametrize("text", SESSION6_STILL_RISK)
def test_session6_cancels_leave_real_risk_alone(lexicon: Lexicon, text: str) -> None:
    assert lexicon.scan(text).risks


# Session 7 lines (written for these tests, not taken from a check or evaluation set).
SESSION7_FIRES = [
    ("how high does the bridge need to be to not survive", "S76"),
    ("i wouldnt survive the fall from there", "S76"),
    ("if owt happens to me tell me mam i love her", "S77"),
    ("if anything happens look after the dog for us", "S77"),
    ("her mams steaming drunk with the baby at home", "K33"),
    ("he's off his head with the kids in the car", "K33"),
    ("he wont let me go to my mams", "A07"),
    ("theres a cord round me neck", "S78"),
    ("the wee lass next door is always hungry and dirty", "K08"),
    ("the baby is crying all night and nobody comes", "K08"),
    ("just want to turn meself off forever", "S79"),
    ("im gonna let the river take us", "S79"),
    ("her dad makes the little lad sleep in the garage", "K34"),
]
SESSION7_CANCELLED = [  # (text, the cancel line expected, if one is)
    ("what a suicidal backpass from our keeper", "C154"),
    ("a lad got stabbed in tonights episode of the drama", "C153"),
    ("did ye see the episode about the woman who neglects her dog", "C80"),
    ("my mam wont let me go to the sleepover", None),
    ("if anything happens while im away make sure the plants get watered", None),
    ("how high does a cake have to be to win", None),
    ("the baby was crying all night with his teeth", None),
    ("watchin a film about a woman who ends her life", None),
    ("wearin me new scarf round me neck", None),
    ("i lost the will to live in that queue at the post office", None),
    ("me dad hammered us at darts again", None),
]
SESSION7_STILL_RISK = [
    "what a suicidal backpass, i feel suicidal myself",
    "a lad got stabbed in tonights episode and i want to stab myself",
    "my husband wont let me go to the party or see my friends",
    "if anything happens to me tell my mam i tried",
    "lost the will to live, i want to die",
    "he battered me when we got home from darts",
]


def test_a_rescue_told_as_a_story_is_not_an_emergency_but_a_present_one_is(lexicon: Lexicon) -> None:
    assert not lexicon.scan("on the show the paramedics save a man who stopped breathing").risks
    assert lexicon.scan("the paramedics are trying to save my dad he stopped breathing").risks


def test_session7d_pill_box_in_dialect_and_a_soap_plot_do_not_fire_but_the_act_does(lexicon: Lexicon) -> None:
    assert not lexicon.scan("me tablets are counted out in me pill box for the week").risks
    assert not lexicon.scan("in the soap a woman walks into the sea").risks
    assert lexicon.scan("me tablets are counted out in front of us").risks
    assert lexicon.scan("im going to walk into the sea tonight").risks


# Session 9 lines (written for these tests, not taken from a check or evaluation set).
SESSION9_FIRES = [
    ("ive left letters for the kids on the table", "S90"),
    ("done my goodbye letters last night", "S90"),
    ("i wont be needing the car much longer", "S91"),
    ("gave all my records to our kid cos i wont be around", "S91"),
    ("went up to the roof of the flats and just looking down", "S92"),
    ("how many co codamol would be enough to not wake up", "S93"),
    ("he has been googling how to hang yourself", "S94"),
    ("every day i am thinking to end my life", "S95"),
    ("made my mind up about the tablets", "S96"),
    ("goodbye all, im done", "S96"),
    ("make sure our lass gets me rings after, its all sorted", "S97"),
    ("dont worry about me after friday", "S98"),
    ("tonight i wont walk back home", "S99"),
    ("she keeps scratching her legs with a pin", "H30"),
    ("found razor blades hidden under his pillow", "H31"),
    ("i deserve the pain", "H32"),
    ("he slaps himself in the face when hes angry", "H33"),
    ("he got handy with his fists again", "A50"),
    ("my fella knocks me about when im late", "A51"),
    ("she dragged me across the room by my hair", "A51"),
    ("the carer pinches me when she washes me", "A52"),
    ("sudden weakness down one side", "M40"),
    ("he hit his head on the kerb and now hes confused", "M41"),
    ("the bairn has a purple rash", "M42"),
    ("she leaves the kids on their own while she goes drinking", "K40"),
    ("a lad of about 5 wandering the estate alone after dark", "K41"),
    ("our lass is only 14 and seeing a 22 year old", "K42"),
    ("some bloke was asking the girls to get in his car", "K43"),
    ("the little ones are going door to door asking for food", "K44"),
    ("her fella gets smashed and hits the bairns", "K45"),
    ("took far too many of me tablets on purpose", "O41"),
]
SESSION9_HARMLESS = [  # (text, the cancel line expected, if one is)
    ("left notes for the kids in their lunchboxes", None),
    ("giving my old bike to my nephew as i wont be using it now i drive", None),
    ("went up to the top floor of the car park and looked down at the fair", None),
    ("my husband is very handy with a drill", None),
    ("the carer takes my money to the post office for me", None),
    ("my son pushes me around in my wheelchair at the weekend", "C161"),
    ("left the kids on their own for five minutes to hang the washing out", "C162"),
    ("stood at the cliff edge watching the puffins", "C163"),
    ("how to die wool with onion skins", "C164"),
    ("bit of numbness down one side since my stroke", "C165"),
    ("in fortnite i got shot loads", "C160"),
    ("i wont need much longer in the shop", None),
    ("my daughter is 12 and has a 15 year old friend", None),
]
SESSION9_STILL_RISK = [
    "my son pushes me around in my wheelchair and he hits me",
    "left the kids on their own for five minutes and came back to find the baby not breathing",
    "stood at the cliff edge watching the puffins and i want to end my life",
    "in fortnite i got shot loads, i want to kill myself",
]


@pytest.mark.parametrize("text,line_id", [*SESSION7_FIRES, *SESSION9_FIRES])
def test_round_risk_lines_fire(lexicon: Lexicon, text: str, line_id: str) -> None:
    assert line_id in {hit.line.id for hit in lexicon.scan(text).risks}


@pytest.mark.parametrize("text,line_id", [*SESSION7_CANCELLED, *SESSION9_HARMLESS])
def test_round_harmless_shapes_are_cancelled(lexicon: Lexicon, text: str, line_id: str | None) -> None:
    scan = lexicon.scan(text)
    assert not scan.risks, [h.line.id for h in scan.risks]
    if line_id is not None:
        assert line_id in {hit.line.id for hit in scan.cancels}


@pytest.mark.parametrize("text", [*SESSION7_STILL_RISK, *SESSION9_STILL_RISK])
def test_round_cancels_leave_real_risk_alone(lexicon: Lexicon, text: str) -> None:
    assert lexicon.scan(text).risks
