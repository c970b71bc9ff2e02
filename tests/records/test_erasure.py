from sqlalchemy import select

from bot.gateway.outbox import enqueue
from bot.models import AuditLog, ChannelAddress, Consent, ErasureRequest, Goal, Handoff, InboundMessage, Person
from bot.policy.erasure import forget_address_once_told, forget_person, mark_farewell
from bot.records.access import export_person
from bot.records.consent import KEEP_DATA, record_consent
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
    assert result.person_removed and not result.kept_as_opt_out
    # Nothing waits to be sent (an operator's erasure): the person and their number go at once.
    assert session.query(Person).count() == 0 and session.query(ChannelAddress).count() == 0
    assert session.query(ErasureRequest).one().completed_at is not None


def test_while_the_confirmation_waits_the_address_moves_to_a_fresh_person_then_goes(session):
    person = _person_with_records(session)
    address = person.addresses[0]
    asked = InboundMessage(channel="sms", provider_id="SM-forget", address_id=address.id, text="forget me")
    session.add(asked)
    session.flush()
    old_id, old_conversation = person.id, person.conversation_id
    forget_person(session, person.id, "sms")  # the action, while the gateway's turn is still pending
    session.commit()
    moved = session.scalar(select(ChannelAddress))
    assert moved.person_id != old_id and moved.person.conversation_id != old_conversation
    assert moved.person.consent_to_keep is None and session.get(Person, old_id) is None

    farewell = enqueue(session, moved, "Done. I have deleted what I kept about you.", in_reply_to=asked.id)
    assert mark_farewell(session, asked.id) == 1
    asked.status, asked.text = "done", None
    session.commit()
    assert not forget_address_once_told(session, moved.id)  # still queued: it has not gone yet
    farewell.status = "sent"
    session.commit()
    assert forget_address_once_told(session, moved.id)
    session.commit()
    assert session.query(ChannelAddress).count() == 0 and session.query(Person).count() == 0
    assert session.query(InboundMessage).count() == 0


def test_an_opted_out_address_stays_as_the_opt_out_on_a_person_with_nothing_else(session):
    person = _person_with_records(session)
    person.addresses[0].opted_out = True
    session.flush()
    result = forget_person(session, person.id, "console")
    session.commit()
    kept = session.scalar(select(ChannelAddress))
    assert result.kept_as_opt_out and kept.opted_out and kept.address == "+447700900010"
    assert kept.person_id != person.id and session.query(Goal).count() == 0


def test_the_audit_trail_keeps_who_looked_but_not_at_whom(session):
    person = _person_with_records(session)
    other = get_or_create_address(session, "sms", "+447700900012").person
    session.add_all([
        AuditLog(actor="lw", action="view_person", entity="person", entity_id=person.id, changes={"handoff": "h1"}),
        AuditLog(actor="lw", action="view_queue", entity="handoff_queue", entity_id="queue",
                 changes={"people": [person.id, other.id]}),
    ])
    session.flush()
    result = forget_person(session, person.id, "sms")
    session.commit()
    erased = f"erased:{result.request_id}"
    rows = {row.action: row for row in session.scalars(select(AuditLog).where(AuditLog.actor == "lw"))}
    assert rows["view_person"].entity_id == erased
    assert rows["view_queue"].changes == {"people": [erased, other.id]}


def test_a_second_request_for_a_human_updates_the_open_one(session):
    person = get_or_create_address(session, "sms", "+447700900011").person
    first = request_handoff(session, person.id, "asked")
    second = request_handoff(session, person.id, "crisis", urgent=True)
    assert first.id == second.id and second.urgent and second.reason == "crisis"
