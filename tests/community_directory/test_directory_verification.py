"""Listings curators should re-check, and when matching stops trusting them."""

from __future__ import annotations

from datetime import date, timedelta

from directory_testing import TODAY
from sqlalchemy.orm import Session

from community_directory.verification import months_before, stale_listings, state


def test_months_before_handles_month_ends_and_years() -> None:
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 6) == date(2025, 7, 15)
    assert months_before(date(2024, 5, 31), 3) == date(2024, 2, 29)


def test_states() -> None:
    assert state(TODAY - timedelta(days=30), TODAY) == "fresh"
    assert state(TODAY - timedelta(days=200), TODAY) == "flagged"
    assert state(TODAY - timedelta(days=300), TODAY) == "excluded"
    assert state(None, TODAY) == "never"
    assert state(TODAY - timedelta(days=300), TODAY, flag_months=6, grace_months=6) == "flagged"


def test_stale_listings_lists_the_demo_s_old_entries_oldest_first(demo_session: Session) -> None:
    rows = stale_listings(demo_session, TODAY)
    by_name = {r.name: r for r in rows}
    assert by_name["Hendon Scrabble Club"].state == "excluded" and by_name["Hendon Scrabble Club"].months_since == 13
    assert by_name["City Centre Conversation Cafe"].state == "flagged"
    assert "Hendon Health Walk" not in by_name
    assert [r.verified_on for r in rows] == sorted(r.verified_on for r in rows)
    assert all(r.is_demo for r in rows)
    # inactive listings are nobody's worry
    assert "Millfield Lunch Club" not in by_name
