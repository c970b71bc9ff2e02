from datetime import date

import pytest

from bot.models import FollowUp, Goal
from bot.records.consent import FOLLOW_UP, KEEP_DATA, active_consent, record_consent
from bot.records.goals import NoConsent, create_goal, schedule_check_in
from bot.records.people import get_or_create_address


def test_same_address_is_the_same_person(session):
    first = get_or_create_address(session, "sms", "+447700900001")
    again = get_or_create_address(session, "sms", "+447700900001")
    other = get_or_create_address(session, "telegram", "+447700900001")
    assert first.person_id == again.person_id != other.person_id


def test_goal_needs_consent(session):
    person = get_or_create_address(session, "sms", "+447700900002").person
    refused = record_consent(session, person, KEEP_DATA, False, "Can I keep it?", "sms")
    with pytest.raises(NoConsent):
        create_goal(session, person, refused, "go walking")
    with pytest.raises(NoConsent):
        create_goal(session, person, None, "go walking")
    assert session.query(Goal).count() == 0


def test_goal_and_check_in_are_stored_with_the_consent_given(session):
    person = get_or_create_address(session, "sms", "+447700900003").person
    keep = record_consent(session, person, KEEP_DATA, True, "Can I keep it?", "sms")
    goal = create_goal(session, person, keep, "Go to the walking group on Tuesday", service_name="Roker Walkers")
    follow = record_consent(session, person, FOLLOW_UP, True, "Can I text you later?", "sms")
    schedule_check_in(session, goal, follow, "2_weeks", today=date(2026, 11, 23))
    assert goal.consent_id == keep.id and goal.checkin_on == date(2026, 12, 7)
    series = session.query(FollowUp).order_by(FollowUp.sequence).all()
    assert [f.due_on for f in series] == [date(2026, 12, 7), date(2027, 1, 4), date(2027, 2, 15)]  # 2, 6, 12 weeks


def test_saying_no_later_withdraws_consent_and_clears_area(session):
    person = get_or_create_address(session, "sms", "+447700900004").person
    record_consent(session, person, KEEP_DATA, True, "Can I keep it?", "sms")
    person.postcode_district, person.imd_decile = "SR2", 1
    record_consent(session, person, KEEP_DATA, False, "Can I keep it?", "sms")
    assert active_consent(session, person.id, KEEP_DATA) is None
    assert person.postcode_district is None and person.imd_decile is None
