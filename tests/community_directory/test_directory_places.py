"""Area names as residents write them: misspelt in an answer, landmarks, and the city as a whole."""

from __future__ import annotations

import pytest

from community_directory.places import find_place, names_only_the_city


@pytest.mark.parametrize(("said", "area"), [
    ("silksworh", "Silksworth"), ("milfield", "Millfield"), ("farringdun", "Farringdon"), ("hendn", "Hendon"),
    ("thorny close", "Thorney Close"), ("castleton", "Castletown"), ("springwel", "Springwell"),
    ("southwik", "Southwick"),
])
def test_a_misspelt_area_in_an_answer_is_read_as_the_area(said: str, area: str) -> None:
    found = find_place(said, fuzzy=True)
    assert found is not None and found.name == area
    assert find_place(said) is None  # in passing, only names written in full count


@pytest.mark.parametrize("said", ["i play poker", "london", "the house is quiet", "hello", "yes please", "no"])
def test_ordinary_words_are_no_misspelt_area(said: str) -> None:
    assert find_place(said, fuzzy=True) is None


def test_landmarks_stand_for_their_area() -> None:
    assert find_place("anything near the minster").name == "Sunderland city centre"
    assert find_place("by the stadium of light").name == "Monkwearmouth"
    assert find_place("near the royal hospital").name == "Sunderland Royal Hospital"


def test_the_city_named_with_an_area_is_the_area() -> None:
    assert find_place("red house, sunderland").name == "Red House"
    assert names_only_the_city("anything in sunderland?")
    assert not names_only_the_city("sunderland city centre")
    assert not names_only_the_city("near the minster in sunderland")
    assert not names_only_the_city("hendon")


def test_in_passing_a_misspelt_area_counts_where_a_place_is_said_to_be() -> None:
    assert find_place("is there a mens shed near silksworh").name == "Silksworth"
    assert find_place("my mam lives in farringdun").name == "Farringdon"
    for said in ("im in bits", "in debt", "at home in pain", "near the shops"):
        assert find_place(said) is None, said


def test_smaller_neighbourhoods_and_names_run_together() -> None:
    assert find_place("plains farm").name == "Plains Farm"
    assert find_place("redhouse").name == "Red House" and find_place("in castle town").name == "Castletown"
    assert find_place("me health is going downhill") is None
