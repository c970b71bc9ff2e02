"""Old goals and outcomes are pseudonymised: reports count them exactly as before, no one is found in them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from bot.db import session_factory
from bot.devtools.demo_outcomes import seed_demo_outcomes
from bot.jobs.retention import RetentionScheduler, purge_expired
from bot.models import AuditLog, Base, ChannelAddress, Consent, FollowUp, Goal, Outcome, Person, WellbeingAnswer
from bot.records.access import export_person, find_people
from bot.reports.outcomes import build_report
from bot.reports.releases import month, quarter
from tests.records.resident_records import aware, make_tracker, resident

T = datetime(2025, 6, 30, 12, tzinfo=timezone.utc)  # the demo journeys end here; the job runs long after
PERIODS = [quarter(2024, 3), quarter(2024, 4), quarter(2025, 1), quarter(2025, 2), month(2025, 1), month(2025, 5)]
JOURNEY = (Goal, FollowUp, WellbeingAnswer, Outcome)


def figures(session) -> list:
    """Every published figure and every hidden mark of the report for each whole month and quarter."""
    shown = []
    for period in PERIODS:
        report = build_report(session, period.start, period.end, period="month")
        for table in (*report.tables, report.wellbeing):
            for row in [*table.rows, *([table.total] if table.total else [])]:
                shown.extend((period.key, table.title, row.key, c, cell.published(c), cell.mark, cell.value)
                             for c, cell in row.cells.items())
    return shown


def run(database_url, tracker, now, days=365):
    return purge_expired(session_factory(database_url), tracker, no_consent_hours=24, message_days=30,
                         pseudonymise_after_days=days, now=now)


def test_reports_count_pseudonymised_journeys_exactly_and_nothing_leads_back(session, database_url):
    tracker = make_tracker(database_url)
    seed_demo_outcomes(session, people=80, now=T)
    texter = resident(session, "+447700900400", at=T - timedelta(days=120), tracker_url=tracker, telegram="55501")
    session.commit()
    before = figures(session)
    assert sum(1 for f in before if isinstance(f[4], int) and f[4] > 0) > 50  # a report with figures in it
    kept_ids = {m.__tablename__: set(session.scalars(select(m.id))) for m in (*JOURNEY, Consent)}
    person_id, conversation_id = texter.person.id, texter.person.conversation_id
    address_ids = {a.id for a in texter.person.addresses}
    session.expire_all()

    counts = run(database_url, tracker, T + timedelta(days=400))
    session.expire_all()
    assert counts.journeys_pseudonymised > 40  # the demo people with nothing pending, and the texter
    assert figures(session) == before  # every figure, mark and underlying value

    # The texter: found by phone, but their goals, check-ins, scores and consents are no longer with them.
    assert find_people(session, "07700 900400") == [session.get(Person, person_id)]
    held = export_person(session, person_id, tracker)
    for key in ("goals", "follow_ups", "wellbeing_answers", "outcomes"):
        assert held[key] == [], key
    assert {c["purpose"] for c in held["consents"]} == {"share_with_link_worker"}
    assert held["person"]["imd_decile"] is None and held["person"]["what_matters"] is None
    assert [n["text"] for n in held["case_notes"]] == ["Prefers a call after 3pm."]  # not an outcome: stays

    # Their old rows still exist (same ids), now held by a stand-in nobody can reach.
    moved = session.get(Goal, texter.goal.id)
    assert moved is not None and moved.person_id != person_id
    stand_in = session.get(Person, moved.person_id)
    assert stand_in is not None and stand_in.pseudonym and stand_in.imd_decile == 2
    assert stand_in.postcode_district is None and stand_in.what_matters is None and stand_in.needs is None
    assert session.scalars(select(ChannelAddress).where(ChannelAddress.person_id == stand_in.id)).all() == []
    assert moved.text == "" and moved.service_name is None and moved.need == "loneliness"
    rows = [r for m in (*JOURNEY, Consent) for r in session.scalars(select(m).where(m.person_id == stand_in.id))]
    assert {type(r) for r in rows} == {*JOURNEY, Consent}
    assert all(r.note is None for r in rows if isinstance(r, FollowUp))
    assert {r.value for r in rows if isinstance(r, WellbeingAnswer)} == {4, 5, 7, 3, 6}  # scores kept

    # No join path: no value in any column of their rows names the person, an address or the conversation,
    # no audit entry names the stand-in, and every time is the start of a month (plus the order's seconds).
    links = {person_id, conversation_id, *address_ids}
    for row in rows:
        values = {str(getattr(row, c.key)) for c in inspect(type(row)).columns}
        assert not values & links, type(row).__tablename__
        for column in ("created_at", "recorded_at", "sent_at", "answered_at", "withdrawn_at"):
            when = getattr(row, column, None)
            if when is not None:
                assert aware(when).day == 1 and aware(when).hour == 0 and aware(when).minute == 0, column
    assert session.scalar(select(AuditLog).where(AuditLog.entity_id == stand_in.id)) is None
    assert find_people(session, stand_in.id) == [] and stand_in.conversation_id != conversation_id
    with pytest.raises(LookupError):
        export_person(session, stand_in.id)
    for table in Base.metadata.sorted_tables:  # the stand-in is named only by the rows that moved to it
        if "person_id" in table.c:
            holders = set(session.execute(select(table.c.id).where(table.c.person_id == stand_in.id)).scalars())
            assert holders <= {r.id for r in rows}, table.name
    # Nothing was deleted: what reports count is all still there.
    assert {m.__tablename__: set(session.scalars(select(m.id))) for m in (*JOURNEY, Consent)} == kept_ids


def test_recent_or_pending_journeys_stay_with_the_person(session, database_url):
    tracker = make_tracker(database_url)
    recent = resident(session, "+447700900401", at=T)
    waiting = resident(session, "+447700900402", at=T - timedelta(days=800))
    pending = session.scalars(select(FollowUp).where(FollowUp.person_id == waiting.person.id)).all()[-1]
    pending.status = "scheduled"
    session.commit()

    counts = run(database_url, tracker, T + timedelta(days=200))
    session.expire_all()
    assert counts.journeys_pseudonymised == 0
    for who in (recent, waiting):
        goal = session.get(Goal, who.goal.id)
        assert goal is not None and goal.person_id == who.person.id and goal.text == "Go to the Tuesday lunch club"
    assert run(database_url, tracker, T + timedelta(days=200), days=None).journeys_pseudonymised == 0  # type: ignore[arg-type]


def test_the_scheduler_pseudonymises_only_in_the_process_holding_the_lease(session, database_url):
    tracker = make_tracker(database_url)
    old = resident(session, "+447700900403", at=datetime.now(timezone.utc) - timedelta(days=800))
    sessions = session_factory(database_url)
    first = RetentionScheduler(sessions, tracker, no_consent_hours=24, message_days=30, interval_seconds=60,
                               holder="one", pseudonymise_after_days=365)
    second = RetentionScheduler(sessions, tracker, no_consent_hours=24, message_days=30, interval_seconds=60,
                                holder="two", pseudonymise_after_days=365)
    done = first.run_once()
    assert done is not None and done.journeys_pseudonymised == 1
    assert second.run_once() is None  # the lease is held by the first
    session.expire_all()
    assert session.get(Goal, old.goal.id).person_id != old.person.id  # type: ignore[union-attr]
