"""Needs read from the whole message: refusals, someone else, mobility aids, known keys only."""

from __future__ import annotations

import pytest

from actions.understanding import NeedsHeard, known_needs, read_needs


def ents(text: str, *pairs: tuple[str, str]) -> list[dict]:
    """NLU-style need entities for the given (words, value) pairs."""
    out = []
    for words, value in pairs:
        start = text.index(words)
        out.append({"entity": "need", "value": value, "start": start, "end": start + len(words)})
    return out


def test_not_a_carer_drops_carers_and_keeps_what_they_want():
    text = "im not a carer, i just want to get out the house and meet people"
    heard = read_needs(text, ents(text, ("carer", "carers"), ("meet people", "loneliness")))
    assert heard.needs == ["loneliness"]
    assert heard.excluded == ["carers"]


def test_not_after_a_job_just_baby_groups():
    text = "no im not after a job lol, just baby groups pls"
    heard = read_needs(text, ents(text, ("job", "employment"), ("baby groups", "parenting")))
    assert heard.needs == ["parenting"]
    assert "employment" in heard.excluded


def test_a_lunch_club_for_my_dad_who_uses_a_walker_is_not_dads_or_walking():
    text = "lunch club for my dad hes 84 he lives in southwick, he uses a walker"
    heard = read_needs(text, ents(text, ("lunch club", "loneliness")))
    assert heard.needs == ["loneliness"]
    assert heard.mobility_aid


@pytest.mark.parametrize("aid", ["a zimmer", "a walking frame", "a zimmer frame", "a walking stick", "a rollator"])
def test_mobility_aids_are_not_walks(aid):
    heard = read_needs(f"something to get her out, she uses {aid}")
    assert "physical_activity" not in heard.needs and heard.mobility_aid


def test_a_partner_back_at_work_is_not_a_jobs_need():
    assert "employment" not in read_needs("my partners back at work so im on my own with the baby").needs
    assert "employment" not in read_needs("how does this work").needs
    assert read_needs("been out of work 2 year, need help with me cv").needs == ["employment"]


def test_caring_for_a_relative_is_still_caring():
    assert "carers" in read_needs("i care for my mam, she has dementia").needs
    assert "carers" in read_needs("i look after my husband").needs


def test_needs_said_with_not_are_still_needs():
    assert "mental_wellbeing" in read_needs("im not coping since my wife went").needs
    assert "money" in read_needs("no money till friday, need a food bank").needs
    assert "loneliness" in read_needs("i have not got any mates round here").needs


def test_debt_not_energy():
    heard = read_needs("actually no i meant the debt one, not energy")
    assert heard.needs == ["money"]


def test_entity_values_that_are_not_need_keys_are_never_kept():
    text = "have one cuppa just for me"
    assert read_needs(text, [{"entity": "need", "value": "have one", "start": 0, "end": 8}]).needs == []
    assert known_needs(["have one", "carers", "carers", None]) == ["carers"]


def test_turning_down_a_need_removes_it_from_those_already_kept():
    heard = NeedsHeard(needs=["parenting"], excluded=["employment"])
    assert heard.apply_to(["employment", "loneliness", "have one"]) == ["loneliness", "parenting"]


def test_an_entity_that_only_touches_a_relative_is_kept():
    text = "i care for my dad and i never get a break"
    assert read_needs(text, ents(text, ("care for my dad", "carers"))).needs == ["carers"]
    text = "lunch club for my dad"
    assert read_needs(text, ents(text, ("lunch club", "loneliness"), ("dad", "parenting"))).needs == ["loneliness"]


def test_search_words_leave_out_what_is_not_wanted_or_not_a_need():
    """The raw words go to the directory's reader, whose search words drop the relative and refusals."""
    from actions.understanding import search_text
    from community_directory.request_text import read_request

    words = read_request(search_text("lunch club for my dad, he uses a walker")).text
    assert "dad" not in words and "walker" not in words and "lunch club" in words


def test_skint_as_the_reason_it_must_be_free_is_not_a_money_need():
    assert read_needs("yoga or summat like that but it has to be free im skint").needs == ["physical_activity"]
    assert read_needs("im skint so it needs to be free, maybe a walking group").needs == ["physical_activity"]
    assert "money" in read_needs("im skint and the bills are piling up").needs


def test_a_child_with_no_need_named_is_somewhere_to_meet_others():
    assert read_needs("anything for my lad hes 14, just sits in his room on the xbox all day").needs == ["loneliness"]
    assert read_needs("me mam is 78").needs == []


def test_a_kind_named_with_a_typo_gives_its_need_when_no_need_word_is_there():
    assert read_needs("lost me mam last month, is there a berevement group").needs == ["mental_wellbeing"]
    assert read_needs("is there any zumber classes near roker").needs == ["physical_activity"]
    assert read_needs("how does this work").needs == []


def test_a_learning_disability_is_who_they_are_not_a_course():
    heard = read_needs("my brother has a learning disability, hes 30, is there anything sociable he could go to")
    assert heard.needs == ["loneliness"]


def test_where_someone_worked_is_no_job_wanted():
    heard = read_needs("me dad worked in the shipyards, i love finding out about the old days on the river")
    assert "employment" not in heard.needs and "learning" in heard.needs


def test_not_one_for_a_talking_group_is_a_refusal():
    text = "been a bit low but im not one for sitting in a circle talking about feelings. something practical"
    heard = read_needs(text)
    assert {"creative", "outdoors", "mental_wellbeing"} <= set(heard.needs)


def test_a_pet_that_died_is_a_bereavement():
    assert read_needs("me dog died last week, had him 14 year. is there owt for that").needs == ["mental_wellbeing"]


def test_small_talk_that_names_a_kind_is_still_about_what_they_want():
    from actions.understanding import names_a_kind

    assert names_a_kind("hiya, any knit groups?", "greet")
    assert names_a_kind("yes please, a lunch club for me mam", "affirm")
    assert not names_a_kind("yes", "affirm") and not names_a_kind("hiya", "greet")
    assert not names_a_kind("how does this work", "help")  # help is never a need


def test_asking_what_there_is_is_not_asking_what_is_kept():
    from actions.understanding import asks_what_there_is, reply_without_a_need

    for text in ("like what?", "what have you got like?", "what sort of things are there", "dunno, what is there",
                 "any ideas?"):
        assert asks_what_there_is(text), text
        assert reply_without_a_need(text) == "asks_what", text
    for text in ("what do you keep about me", "what have you got on me", "a coffee morning like what my mam goes to"):
        assert not asks_what_there_is(text), text
    # a need named is an answer, whatever else the message asks
    assert reply_without_a_need("like what? a walking group maybe") is None
    assert reply_without_a_need("its for wor lass") == "someone_else"
    assert reply_without_a_need("summat for wor lass, she loves a sing song") is None
