import asyncio
from datetime import date

from bot.db import session_factory
from bot.jobs.followups import FollowUpScheduler
from bot.dialogue.rasa_client import RasaClient
from bot.models import FollowUp, OutboundMessage
from bot.records.consent import FOLLOW_UP, KEEP_DATA, record_consent
from bot.records.goals import create_goal, schedule_check_in
from bot.records.people import get_or_create_address


def _scheduled(session, number: str) -> tuple:
    address = get_or_create_address(session, "sms", number)
    person = address.person
    keep = record_consent(session, person, KEEP_DATA, True, "keep?", "sms")
    goal = create_goal(session, person, keep, "Go to the choir")
    follow = record_consent(session, person, FOLLOW_UP, True, "text you later?", "sms")
    schedule_check_in(session, goal, follow, "1_week", today=date(2026, 11, 1))
    session.commit()
    return address, person


def _run(database_url: str, today: date) -> int:
    async def go() -> int:
        rasa = RasaClient("http://127.0.0.1:9", 1.0)  # nothing listens: these check-ins must not reach Rasa
        try:
            return await FollowUpScheduler(session_factory(database_url), rasa, interval_seconds=60).send_due(today)
        finally:
            await rasa.close()

    return asyncio.run(go())


def test_check_in_is_cancelled_when_consent_to_contact_is_withdrawn(database_url, session):
    _, person = _scheduled(session, "+447700900200")
    record_consent(session, person, FOLLOW_UP, False, "text you later?", "sms")
    session.commit()
    assert _run(database_url, date(2026, 11, 8)) == 0
    session.expire_all()
    assert session.query(FollowUp).one().status == "cancelled"
    assert session.query(OutboundMessage).count() == 0


def test_check_in_is_cancelled_for_an_opted_out_number(database_url, session):
    address, _ = _scheduled(session, "+447700900201")
    address.opted_out = True
    session.commit()
    assert _run(database_url, date(2026, 11, 8)) == 0
    session.expire_all()
    assert session.query(FollowUp).one().status == "cancelled"


def test_check_in_not_yet_due_is_left_alone(database_url, session):
    _scheduled(session, "+447700900202")
    assert _run(database_url, date(2026, 11, 7)) == 0
    session.expire_all()
    assert session.query(FollowUp).one().status == "scheduled"


def test_due_check_in_waits_while_rasa_is_down(database_url, session):
    _scheduled(session, "+447700900203")
    assert _run(database_url, date(2026, 11, 8)) == 0
    session.expire_all()
    assert session.query(FollowUp).one().status == "scheduled"
