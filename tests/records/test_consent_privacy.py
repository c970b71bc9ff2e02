"""Consent tied to the privacy notice it answered, "stop keeping my details", what we keep, and
what a link worker may see (bot/records/consent.py, bot/records/kept.py, bot/console/casefile.py)."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.console.casefile import shared_context
from bot.models import CaseNote, Consent, FollowUp, Goal, Handoff, Outcome, WellbeingAnswer
from bot.policy import opt_out
from bot.records.consent import (
    FOLLOW_UP,
    KEEP_DATA,
    SHARE_WITH_LINK_WORKER,
    active_consent,
    notice_due,
    record_consent,
    standing_answer,
    stop_keeping,
)
from bot.records.followups import record_baseline, schedule_series
from bot.records.goals import NoConsent, create_goal, record_outcome
from bot.records.handoffs import add_note, request_handoff
from bot.records.kept import kept_about
from bot.records.people import get_or_create_address, keep_what_matters
from bot.reports.outcomes import build_report
from bot.statuses import HandoffReason, OutcomeKind

OLD, NEW = "2026-06", "2026-12"
ASKED = "Can I keep what you tell me?"


def _person(session, number):
    return get_or_create_address(session, "sms", number).person


def _count(session, model, person_id):
    return session.scalar(select(func.count()).select_from(model).where(model.person_id == person_id))


def test_the_answer_records_the_notice_version_it_answered(session):
    person = _person(session, "+447700900301")
    consent = record_consent(session, person, KEEP_DATA, True, ASKED, "sms", NEW)
    assert session.get(Consent, consent.id).notice_version == NEW
    assert not notice_due(session, person.id, NEW)
    assert notice_due(session, person.id, "2027-03")  # a newer notice: asked again


def test_a_yes_to_a_newer_notice_is_recorded_and_keeps_the_first_date(session):
    person = _person(session, "+447700900302")
    first = record_consent(session, person, KEEP_DATA, True, ASKED, "sms", OLD)
    first.created_at = datetime.now(timezone.utc) - timedelta(days=60)
    session.commit()
    assert notice_due(session, person.id, NEW)
    renewed = record_consent(session, person, KEEP_DATA, True, "Our privacy notice has changed...", "sms", NEW)
    session.commit()
    assert renewed.id != first.id and renewed.notice_version == NEW
    assert first.withdrawn_at is None  # the first "yes" still stands: reports count them from it
    assert active_consent(session, person.id, KEEP_DATA).id == renewed.id
    assert not notice_due(session, person.id, NEW)
    today = date.today()
    assert build_report(session, today - timedelta(days=90), today - timedelta(days=30)).by_decile.total.cells[
        "people"].value == 1
    assert build_report(session, today - timedelta(days=7), today).by_decile.total.cells["people"].value == 0
    # The same "yes" again is still one row.
    assert record_consent(session, person, KEEP_DATA, True, ASKED, "sms", NEW).id == renewed.id


def test_a_no_to_keeping_withdraws_every_version(session):
    person = _person(session, "+447700900303")
    record_consent(session, person, KEEP_DATA, True, ASKED, "sms", OLD)
    record_consent(session, person, KEEP_DATA, True, ASKED, "sms", NEW)
    record_consent(session, person, KEEP_DATA, False, ASKED, "sms", NEW)
    assert active_consent(session, person.id, KEEP_DATA) is None and not notice_due(session, person.id, NEW)
    assert standing_answer(session, person.id, KEEP_DATA) is False


def _full_journey(session, number):
    """Someone who agreed, set a goal with check-ins, answered the baseline, asked for a person."""
    address = get_or_create_address(session, "sms", number)
    person = address.person
    keep = record_consent(session, person, KEEP_DATA, True, ASKED, "sms", NEW)
    person.postcode_district, person.imd_decile = "SR2", 3
    keep_what_matters(session, person, "i want to get out walking", ["physical_activity"])
    goal = create_goal(session, person, keep, "go every tuesday", need="physical_activity")
    follow = record_consent(session, person, FOLLOW_UP, True, "Can I text you later?", "sms", NEW)
    schedule_series(session, goal, follow, "2_weeks")
    record_baseline(session, person, goal, {"ons_life_satisfaction": 6, "ons_worthwhile": 7,
                                            "ons_happy_yesterday": 5, "ons_anxious_yesterday": 3})
    record_outcome(session, person, OutcomeKind.WELLBEING_START, score=6, goal=goal)
    record_consent(session, person, SHARE_WITH_LINK_WORKER, True, "Can the link worker see?", "sms", NEW)
    handoff = request_handoff(session, person.id, HandoffReason.CRISIS, urgent=True, context={"words": ["help me"]})
    add_note(session, person.id, "worker", "Phoned, safe for now", handoff.id)
    session.commit()
    return address, person, handoff


def test_stop_keeping_deletes_what_consent_allowed_and_keeps_what_must_be_kept(session):
    address, person, handoff = _full_journey(session, "+447700900304")
    opt_out.opt_out_and_confirm(address, lambda body, kind: None)
    gone = stop_keeping(session, person, "Said: stop keeping my details", "sms", NEW)
    session.commit()
    assert (gone.goals, gone.scores) == (1, 1)
    for model in (Goal, FollowUp, WellbeingAnswer, Outcome):
        assert _count(session, model, person.id) == 0, model.__name__
    assert person.what_matters is None and person.needs is None and person.postcode_district is None
    assert person.imd_decile is None and person.consent_to_keep is False
    # What must be kept: the answers themselves, the safety flag and its note, the opt-out.
    assert _count(session, Handoff, person.id) == 1 and _count(session, CaseNote, person.id) == 1
    assert session.get(Handoff, handoff.id).context["words"] == ["help me"]
    assert address.opted_out
    for purpose in (KEEP_DATA, FOLLOW_UP, SHARE_WITH_LINK_WORKER):
        assert standing_answer(session, person.id, purpose) is False, purpose
    assert _count(session, Consent, person.id) >= 6  # the yeses (withdrawn) and the noes, as proof


def test_after_stopping_nothing_new_is_kept_until_they_agree_again(session):
    _, person, _ = _full_journey(session, "+447700900305")
    stop_keeping(session, person, "Said: dont keep my info", "sms", NEW)
    assert not keep_what_matters(session, person, "lunch clubs", ["loneliness"])
    with pytest.raises(NoConsent):
        create_goal(session, person, active_consent(session, person.id, KEEP_DATA), "go to lunch club")
    assert person.what_matters is None and _count(session, Goal, person.id) == 0
    again = record_consent(session, person, KEEP_DATA, True, ASKED, "sms", NEW)
    assert keep_what_matters(session, person, "lunch clubs", ["loneliness"])
    assert create_goal(session, person, again, "go to lunch club").consent_id == again.id


def test_what_we_keep_is_counted_from_the_records(session):
    address, person, _ = _full_journey(session, "+447700900306")
    kept = kept_about(session, person)
    assert kept.consent_to_keep and kept.goals == 1 and kept.scores == 1 and kept.area == "SR2"
    assert kept.what_matters and kept.check_ins_planned == 3 and kept.handoffs == 1 and kept.notes == 1
    stop_keeping(session, person, "Said: stop", "sms", NEW)
    after = kept_about(session, person)
    assert not after.consent_to_keep and after.goals == after.scores == after.check_ins_planned == 0
    assert after.area is None and not after.what_matters and after.handoffs == 1


def test_the_case_view_follows_the_sharing_answer(session):
    person = _person(session, "+447700900307")
    record_consent(session, person, KEEP_DATA, True, ASKED, "sms", NEW)
    handoff = request_handoff(session, person.id, HandoffReason.ASKED,
                              context={"consent": True, "needs": ["physical_activity"], "area": "SR2 8PN"})
    assert shared_context(session, handoff).agreed  # never asked: keeping (its words say our team sees it)
    record_consent(session, person, SHARE_WITH_LINK_WORKER, False, "Can the link worker see?", "sms", NEW)
    hidden = shared_context(session, handoff)
    assert not hidden.agreed and hidden.needs == [] and hidden.area is None  # a no hides it, keeping or not
    record_consent(session, person, SHARE_WITH_LINK_WORKER, True, "Can the link worker see?", "sms", NEW)
    assert shared_context(session, handoff).agreed


def test_sharing_without_keeping_shows_what_they_agreed_to_share(session):
    person = _person(session, "+447700900308")
    record_consent(session, person, KEEP_DATA, False, ASKED, "sms", NEW)
    handoff = request_handoff(session, person.id, HandoffReason.ASKED, context={"consent": False})
    assert not shared_context(session, handoff).agreed
    record_consent(session, person, SHARE_WITH_LINK_WORKER, True, "Can the link worker see?", "sms", NEW)
    handoff.context = {"consent": True, "needs": ["loneliness"], "area": "SR4"}
    shown = shared_context(session, handoff)
    assert shown.agreed and shown.needs == ["meeting people"] and shown.area == "SR4"
    assert shown.what_matters is None  # never kept without keeping
