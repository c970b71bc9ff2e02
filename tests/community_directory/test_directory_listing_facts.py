"""Cost, access, language and age read from HSDS text fields, erring towards "don't know"."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from community_directory.listing_facts import (
    JOIN_LIMIT,
    age_fit,
    how_to_join,
    languages_offered,
    normalise_language,
    read_cost,
    wheelchair_access,
)


def cost(amount: float | None, description: str | None = None, valid_to: date | None = None) -> SimpleNamespace:
    return SimpleNamespace(amount=amount, amount_description=description, option=None, valid_to=valid_to)


def test_cost() -> None:
    assert read_cost([cost(0)]).text == "Free" and read_cost([cost(0)]).free is True
    assert (read_cost([cost(2)]).text, read_cost([cost(2)]).free) == ("£2", False)
    assert read_cost([cost(2.5), cost(5)]).text == "£2.50 to £5"
    assert read_cost([cost(None, "Pay as you feel; nobody is turned away")]).free is True
    assert read_cost([], fees_description="£3 per class").text == "£3"
    assert read_cost([], fees_description="Free of charge").free is True
    assert read_cost([]).free is None and read_cost([]).text == "Ask about cost"
    expired = [cost(35, valid_to=date(2022, 12, 31))]
    assert read_cost(expired, today=date(2026, 1, 1)).free is None


def test_wheelchair_access_from_accessibility_text() -> None:
    assert wheelchair_access(["Step-free entrance and an accessible toilet."]) is True
    upstairs = "The room is upstairs and there is no lift, so it is not wheelchair accessible."
    assert wheelchair_access([upstairs]) is False
    assert wheelchair_access(["There are three steps at the entrance and no ramp."]) is False
    assert wheelchair_access(["The building is equipped with induction loops for hearing aids. "
                              "Wheelchair access is possible on all levels."]) is True
    assert wheelchair_access(["Parking at the rear."]) is None and wheelchair_access([]) is None


def test_languages() -> None:
    assert normalise_language("ar") == normalise_language("Arabic") == "arabic"
    assert normalise_language("mandarin") == "chinese" and normalise_language("  ") is None
    rows = [SimpleNamespace(code="pl", name="Polish")]
    assert languages_offered(rows, "Interpretation services are available in Urdu and Slovak") == \
        {"polish", "urdu", "slovak"}


def test_age_limits_and_groups() -> None:
    assert age_fit(60, None, 45, None).fits is False
    over_60 = age_fit(60, None, 72, None)
    assert over_60.fits and over_60.targeted and over_60.label == "for over-60s"
    assert age_fit(11, 18, None, "older_people").fits is False
    assert age_fit(11, 18, None, "young_people").label == "for young people"
    assert age_fit(None, None, None, "older_people") == age_fit(None, None, None, None)
    assert age_fit(18, None, None, "young_people").fits  # 18 to 25 are young people too


def test_a_long_joining_note_keeps_whole_sentences_within_one_segment() -> None:
    first = "Ring the bell at the side door and ask for Linda, who runs the group and will show you round."
    note = f"{first} Parking is free behind the hall on Tuesdays and Thursdays, but fills up by ten o'clock."
    assert len(note) > JOIN_LIMIT and how_to_join(note, None, None, None) == first
    rambling = "ask for linda " * 20
    cut = how_to_join(rambling, None, None, None)
    assert len(cut) <= JOIN_LIMIT and cut.endswith("...") and "\u2026" not in cut


def test_how_to_join_prefers_the_listing_s_own_words() -> None:
    # All of what the curator wrote, not just its first sentence (issue 15: "Ask for Linda" was lost).
    assert how_to_join("Just turn up. Ask for Linda at the door.", "0191 498 0100", None, None) == (
        "Just turn up. Ask for Linda at the door.")
    assert how_to_join("Ask for Linda\n at the door.", None, None, None) == "Ask for Linda at the door."
    assert how_to_join(None, "0191 498 0100", "a@example.org", None) == "Call 0191 498 0100"
    assert how_to_join(None, None, "a@example.org", None) == "Email a@example.org"
