"""A "yes" given again keeps the first "yes" and its date, so past reports do not move."""

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from bot.models import Consent
from bot.records.consent import KEEP_DATA, active_consent, record_consent
from bot.records.people import get_or_create_address
from bot.reports.outcomes import build_report


def test_saying_yes_again_keeps_the_first_date_and_the_person_in_their_period(session):
    person = get_or_create_address(session, "sms", "+447700900123").person
    first = record_consent(session, person, KEEP_DATA, True, "Can I keep your answers?", "sms")
    first.created_at = datetime.now(timezone.utc) - timedelta(days=60)
    session.commit()
    again = record_consent(session, person, KEEP_DATA, True, "Can I keep your answers?", "sms")  # after a restart
    session.commit()
    assert again.id == first.id and active_consent(session, person.id, KEEP_DATA).id == first.id
    rows = session.scalars(select(Consent).where(Consent.person_id == person.id)).all()
    assert len(rows) == 1 and rows[0].withdrawn_at is None
    today = date.today()
    back_then = build_report(session, today - timedelta(days=90), today - timedelta(days=30))
    assert back_then.by_decile.total.cells["people"].value == 1  # still counted where they first agreed
    assert build_report(session, today - timedelta(days=7), today).by_decile.total.cells["people"].value == 0


def test_a_no_still_withdraws_and_a_later_yes_starts_again(session):
    person = get_or_create_address(session, "sms", "+447700900124").person
    first = record_consent(session, person, KEEP_DATA, True, "Can I keep your answers?", "sms")
    record_consent(session, person, KEEP_DATA, False, "Can I keep your answers?", "sms")
    assert first.withdrawn_at is not None and not person.consent_to_keep
    later = record_consent(session, person, KEEP_DATA, True, "Can I keep your answers?", "sms")
    assert later.id != first.id and person.consent_to_keep
