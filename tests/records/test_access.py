"""Subject access: found by phone (any UK form) or Telegram, and the export holds every record.

The completeness tests walk SQLAlchemy's metadata, not the export's own list, so a table added
later that holds anything about a resident fails here until the export covers it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.channels.sms import uk_number_forms
from bot.channels.telegram import chat_id_forms
from bot.models import AuditLog, Base, Person
from bot.records import access
from bot.records.access import EXPORTED_TABLES, NOT_ABOUT_RESIDENTS, SECTIONS, export_person, find_people
from bot.records.people import get_or_create_address
from tests.records.resident_records import make_tracker, rasa_says, resident, tracker_events

PERSON_TABLES = ("person", "channel_address")  # every row about a resident hangs off one of these


def _linked_tables() -> set[str]:
    """Tables whose rows reach a person through foreign keys (directly or through another such table)."""
    linked = set(PERSON_TABLES)
    changed = True
    while changed:
        changed = False
        for table in Base.metadata.tables.values():
            if table.name not in linked and any(fk.column.table.name in linked for fk in table.foreign_keys):
                linked.add(table.name)
                changed = True
    return linked


def _linked_rows(session, person: Person) -> dict[str, set[str]]:
    """Every row id reachable from the person by foreign keys, per table, worked out from metadata only."""
    found: dict[str, set[str]] = {"person": {person.id}}
    changed = True
    while changed:
        changed = False
        for table in Base.metadata.tables.values():
            if table.name == "person":
                continue
            ids = set(found.get(table.name, set()))
            for fk in table.foreign_keys:
                parents = found.get(fk.column.table.name)
                if parents:
                    ids |= set(session.execute(select(table.c.id).where(fk.parent.in_(parents))).scalars())
            if ids != found.get(table.name, set()):
                found[table.name] = ids
                changed = True
    return found


def test_every_table_is_exported_or_said_to_hold_nothing_about_residents():
    tables = set(Base.metadata.tables)
    unclassified = tables - EXPORTED_TABLES - set(NOT_ABOUT_RESIDENTS)
    assert not unclassified, (
        f"tables {sorted(unclassified)} are neither in the subject access export (bot/records/access.py "
        "SECTIONS) nor in NOT_ABOUT_RESIDENTS with a reason")
    assert not EXPORTED_TABLES & set(NOT_ABOUT_RESIDENTS)
    linked = _linked_tables()
    assert linked <= EXPORTED_TABLES, f"tables linked to a person but not exported: {sorted(linked - EXPORTED_TABLES)}"
    assert not linked & set(NOT_ABOUT_RESIDENTS), "a table said to hold nothing about residents links to one"
    for name in NOT_ABOUT_RESIDENTS:  # nothing said to be unrelated carries a person's id by name either
        assert not {"person_id", "address_id", "conversation_id"} & set(Base.metadata.tables[name].c.keys()), name


def test_the_export_holds_every_row_linked_to_the_person_and_nobody_elses(session, database_url):
    tracker = make_tracker(database_url)
    someone = resident(session, "+447700900123", tracker_url=tracker)
    other = resident(session, "+447700900999", tracker_url=tracker)
    data = export_person(session, someone.person.id, tracker)
    by_table = {s.model.__tablename__: s.key for s in SECTIONS}
    linked = _linked_rows(session, someone.person)
    assert set(linked) - {"person"} == set(by_table), "every linked table has a section"
    for table, ids in linked.items():
        if table == "person":
            continue
        exported = {row["id"] for row in data[by_table[table]]}
        assert ids and exported == ids, table  # the resident has rows in every table, all exported
    assert data["person"]["id"] == someone.person.id
    assert data["person"]["what_matters"] == "I feel lonely since my wife died"
    assert [g["text"] for g in data["goals"]] == ["Go to the Tuesday lunch club"]
    assert {m["text"] for m in data["messages_received"]} == {"can someone ring me"}
    assert {m["body"] for m in data["messages_sent"]} == {"Here are three groups near you."}
    assert [n["text"] for n in data["case_notes"]] == ["Prefers a call after 3pm."]
    assert any(f["note"] == "My neighbour came with me" for f in data["follow_ups"])
    assert {c["purpose"] for c in data["consents"]} == {"keep_data", "follow_up", "share_with_link_worker"}
    transcript = data["rasa_transcript"]
    assert [e["event"] for e in transcript] == ["user", "slot", "action", "bot"]
    assert transcript[0]["text"] == "i feel lonely" and transcript[0]["intent"] == "inform_need"
    assert (transcript[1]["slot"], transcript[1]["value"]) == ("need", "loneliness")
    assert transcript[3]["text"] == "Here are three groups near you."
    assert other.person.id not in str(data) and other.person.conversation_id not in str(data)


def test_the_audit_trail_says_who_saw_them_without_naming_anyone_else(session):
    someone = resident(session, "+447700900124")
    other = get_or_create_address(session, "sms", "+447700900125").person
    session.add_all([
        AuditLog(actor="sam", action="view_queue", entity="handoff_queue", entity_id="queue",
                 changes={"people": sorted([someone.person.id, other.id])}),
        AuditLog(actor="alex", action="view_queue", entity="handoff_queue", entity_id="queue",
                 changes={"people": [other.id]}),
        AuditLog(actor="alex", action="view_person", entity="person", entity_id=other.id),
    ])
    session.commit()
    trail = export_person(session, someone.person.id)["record_views_and_changes"]
    seen = sorted((t["who"], t["action"]) for t in trail)
    assert seen == [("lw", "close"), ("lw", "view_person"), ("sam", "view_queue")]
    assert other.id not in str(trail)
    assert next(t for t in trail if t["action"] == "view_queue")["details"] == {"people_shown": 2}


@pytest.mark.parametrize("typed", [
    "+447700900123", "07700 900123", "07700900123", "+44 7700 900 123", "447700900123", "0044 7700 900123",
    "(07700) 900-123", " 07700-900-123 ",
])
def test_a_uk_mobile_is_found_however_it_is_typed(typed):
    assert uk_number_forms(typed)[0] == "+447700900123"
    assert chat_id_forms(typed) == ([] if any(c in typed for c in "+()-") else [typed.replace(" ", "")])


def test_people_are_found_by_number_or_telegram_chat_and_not_by_a_near_miss(session):
    someone = resident(session, "+447700900126", telegram="987654321")
    texter = get_or_create_address(session, "sms", "07700900127").person  # stored as a provider gave it
    session.commit()
    assert find_people(session, "07700 900126") == [someone.person]
    assert find_people(session, "+44 7700 900127") == [texter]
    assert find_people(session, "987654321") == [someone.person]
    assert find_people(session, "07700 900128") == [] and find_people(session, "") == []
    assert find_people(session, "7700900126") == []  # neither a whole UK number nor a known chat
    assert access.find_person_by_id_or_address(session, someone.person.id) == [someone.person]


def test_without_a_tracker_store_the_export_says_so_and_an_empty_store_gives_no_events(session, database_url):
    someone = resident(session, "+447700900129")
    assert export_person(session, someone.person.id)["rasa_transcript"] is None
    assert export_person(session, someone.person.id, database_url)["rasa_transcript"] == []  # no events table yet
    make_tracker(database_url)
    rasa_says(database_url, "someone-else", "hello", "Hi")
    assert export_person(session, someone.person.id, database_url)["rasa_transcript"] == []
    with pytest.raises(LookupError):
        export_person(session, "no-such-person")


def test_the_cli_exports_and_erases_by_phone_number_or_telegram_chat(session, database_url, monkeypatch, capsys):
    import json

    from bot.cli import main

    tracker = make_tracker(database_url)
    someone = resident(session, "+447700900130", tracker_url=tracker, telegram="424242")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RASA_TRACKER_DB_URL", tracker)
    assert main(["export-person", "07700 900130"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["person"]["id"] == someone.person.id and len(data["rasa_transcript"]) == 4
    assert ("cli", "access_export") in {(t["who"], t["action"]) for t in data["record_views_and_changes"]}
    assert main(["export-person", "07700 900999"]) == 1
    assert "No one is held" in capsys.readouterr().err
    conversation, person_id = someone.person.conversation_id, someone.person.id
    assert main(["erase-person", "424242"]) == 0
    session.expire_all()
    from bot.models import AuditLog, Goal, Person

    assert session.get(Person, person_id) is None  # the row goes too: nothing was waiting to be sent
    assert session.scalar(select(func.count(Goal.id))) == 0
    assert tracker_events(tracker, conversation) == 0  # Rasa's copy went straight away
    erased = session.scalars(select(AuditLog).where(AuditLog.action == "erase")).all()
    assert [(a.actor, a.entity_id.startswith("erased:")) for a in erased] == [("cli", True)]
    assert session.scalar(select(func.count(AuditLog.id)).where(AuditLog.entity_id == person_id)) == 0
