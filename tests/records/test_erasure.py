from bot.models import Consent, ErasureRequest, Goal, Handoff, Person
from bot.policy.erasure import forget_person
from bot.records.consent import KEEP_DATA, record_consent
from bot.records.erasure import export_person
from bot.records.goals import create_goal
from bot.records.handoffs import request_handoff
from bot.records.people import get_or_create_address


def _person_with_records(session):
    address = get_or_create_address(session, "sms", "+447700900010")
    person = address.person
    keep = record_consent(session, person, KEEP_DATA, True, "Can I keep it?", "sms")
    create_goal(session, person, keep, "Join the choir")
    request_handoff(session, person.id, "asked", context={"needs": ["creative"]})
    return person


def test_export_holds_everything_about_the_person(session):
    person = _person_with_records(session)
    data = export_person(session, person.id)
    assert data["goals"][0]["text"] == "Join the choir"
    assert data["consents"][0]["given"] is True
    assert data["handoffs"][0]["context"] == {"needs": ["creative"]}
    assert data["addresses"][0]["address"] == "+447700900010"


def test_erasure_deletes_records_and_starts_a_new_conversation(session):
    person = _person_with_records(session)
    old_conversation = person.conversation_id
    result = forget_person(session, person.id, "sms")
    session.commit()
    assert result.conversation_ids_to_forget == [old_conversation]  # Rasa's copy: the caller forgets it
    assert session.query(Goal).count() == 0
    assert session.query(Consent).count() == 0
    assert session.query(Handoff).count() == 0
    fresh = session.get(Person, person.id)
    assert fresh.conversation_id != old_conversation and fresh.consent_to_keep is None
    assert session.query(ErasureRequest).one().completed_at is not None


def test_a_second_request_for_a_human_updates_the_open_one(session):
    person = get_or_create_address(session, "sms", "+447700900011").person
    first = request_handoff(session, person.id, "asked")
    second = request_handoff(session, person.id, "crisis", urgent=True)
    assert first.id == second.id and second.urgent and second.reason == "crisis"
