"""The listing editor writes through the importer's row writer: create, edit, verify, close, each reported."""

from __future__ import annotations

from datetime import date

import pytest
from directory_testing import TODAY
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from community_directory import editing
from community_directory.geography import load_nspl
from community_directory.importing import import_json_documents
from community_directory.matching import MatchRequest, find_matches
from community_directory.models import Location, Service, ServiceAtLocation, ServicePoint, Taxonomy, TaxonomyTerm
from community_directory.needs import NEEDS
from community_directory.taxonomy import TAXONOMY_ID, term_id
from community_directory.writing import RowWriter

HENDON = (54.8985, -1.3705)


def _form(session: Session, **changes: object) -> editing.ListingForm:
    terms = {t.code: t.id for t in editing.need_terms(session)}
    values: dict[str, object] = {
        "organization": "Hendon Model Railway Society", "name": "Hendon Model Railway Club",
        "description": "Build and run model trains with friendly people.",
        "needs": [terms["loneliness"], terms["creative"]], "venue": "Hendon Hall", "address_1": "1 Villette Road",
        "city": "Sunderland", "postcode": "SR2 8RL", "wheelchair": "yes", "day": "TU", "start_time": "10:00",
        "end_time": "12:30", "cost": "paid", "amount": "2.50", "application_process": "Ask for Linda at the door.",
        "phone": "0191 498 0555", "email": "trains@example.org",
    }
    values.update(changes)
    return editing.ListingForm(**values)  # type: ignore[arg-type]


def _create(session: Session, form: editing.ListingForm) -> tuple[str, dict[str, list[object]]]:
    terms = {t.id for t in editing.need_terms(session)}
    checked = editing.check(session, form, terms)
    assert checked.errors == {}
    return editing.create_listing(session, form, checked, by="cur", today=TODAY)


@pytest.fixture
def with_postcodes(session: Session) -> Session:
    load_nspl(session)
    return session


def test_need_terms_are_created_once_with_the_demo_ids(session: Session) -> None:
    terms = editing.need_terms(session)
    assert sorted(t.code for t in terms) == sorted(n.key for n in NEEDS)
    assert {t.id for t in terms} == {term_id(n.key) for n in NEEDS}
    assert session.get(Taxonomy, TAXONOMY_ID) is not None
    editing.need_terms(session)
    assert session.scalar(select(func.count()).select_from(TaxonomyTerm)) == len(NEEDS)


def test_a_created_listing_is_verified_reported_and_matchable(with_postcodes: Session) -> None:
    session = with_postcodes
    service_id, changes = _create(session, _form(session))
    session.commit()
    service = session.get(Service, service_id)
    assert service is not None
    assert (service.status, service.last_verified_at, service.verified_by, service.is_demo) == (
        "active", TODAY, "cur", False)
    assert service.organization is not None and service.organization.name == "Hendon Model Railway Society"
    assert changes["name"] == [None, "Hendon Model Railway Club"]
    assert changes["needs"] == [None, ["Arts and crafts", "Meeting people"]]
    assert changes["postcode"] == [None, "SR2 8RL"] and changes["cost"] == [None, "£2.50"]
    assert changes["application_process"] == [None, "Ask for Linda at the door."]
    points = session.scalars(select(ServicePoint).where(ServicePoint.service_id == service_id)).all()
    assert {p.need_key for p in points} >= {"loneliness", "creative"}  # the writer refreshed the index
    matches = find_matches(session, MatchRequest(needs=["creative"], lat=HENDON[0], lon=HENDON[1], today=TODAY))
    assert service_id in [m.service_id for m in matches]


def test_an_edit_writes_only_what_changed_and_keeps_the_index_in_step(with_postcodes: Session) -> None:
    session = with_postcodes
    service_id, _ = _create(session, _form(session))
    service = session.get(Service, service_id)
    assert service is not None
    before = editing.form_from_service(service)
    terms = {t.code: t.id for t in editing.need_terms(session)}
    after = _form(session, needs=[terms["outdoors"]], day="TH", cost="free", amount="", phone="")
    groups = after.changed_groups(before)
    assert groups == {"needs", "schedule", "cost", "phone"}
    checked = editing.check(session, after, set(terms.values()), unchanged=set(editing.ListingForm.GROUPS) - groups)
    changes = editing.edit_listing(session, service_id, after, checked, groups)
    assert changes["needs"] == [["Arts and crafts", "Meeting people"], ["Gardening and outdoors"]]
    assert changes["schedule"][1].startswith("Thursdays") and changes["cost"] == ["£2.50", "Free"]
    assert changes["phone"] == ["0191 498 0555", None] and "name" not in changes
    keys = set(session.scalars(select(ServicePoint.need_key).where(ServicePoint.service_id == service_id)))
    assert "outdoors" in keys and "creative" not in keys


def test_moving_off_a_venue_nobody_else_uses_removes_it(with_postcodes: Session) -> None:
    session = with_postcodes
    service_id, _ = _create(session, _form(session))
    location_id = session.scalars(select(ServiceAtLocation.location_id)
                                  .where(ServiceAtLocation.service_id == service_id)).one()
    form = _form(session, venue="", address_1="", postcode="", wheelchair="")
    groups = {"venue", "wheelchair"}
    changes = editing.edit_listing(session, service_id, form, editing.check(session, form, set(), groups), groups)
    assert changes["postcode"] == ["SR2 8RL", None]
    assert session.get(Location, location_id) is None


def test_verify_close_and_full_are_reported_and_a_repeat_changes_nothing(with_postcodes: Session) -> None:
    session = with_postcodes
    service_id, _ = _create(session, _form(session))
    later = date(2027, 1, 5)
    assert editing.verify(session, service_id, by="ann", today=later) == {
        "last_verified_at": [TODAY.isoformat(), later.isoformat()], "verified_by": ["cur", "ann"]}
    assert editing.verify(session, service_id, by="ann", today=later) == {}
    assert editing.set_status(session, service_id, "inactive") == {"status": ["active", "inactive"]}
    assert editing.set_full(session, service_id, True) == {"is_full": [False, True]}
    assert editing.set_full(session, service_id, True) == {}
    service = session.get(Service, service_id)
    assert service is not None and service.last_modified is not None


def test_an_import_after_an_edit_updates_the_same_rows(session: Session) -> None:
    """Importer and editor share one writer, so an edited listing re-imported by id is updated, not copied."""
    editing.need_terms(session)
    document = {"id": "svc-1", "name": "Roker Reading Group", "status": "active",
                "organization": {"id": "org-1", "name": "Roker Readers"}}
    import_json_documents(session, [("one", document)])
    form = editing.ListingForm(organization="Roker Readers", name="Roker Book Club", city="")
    groups = {"text"}
    editing.edit_listing(session, "svc-1", form, editing.check(session, form, set(), groups), groups)
    report = import_json_documents(session, [("again", {**document, "description": "Monthly."})])
    assert report.table("service").updated == 1
    assert session.scalar(select(func.count()).select_from(Service)) == 1
    assert session.get(Service, "svc-1").description == "Monthly."  # type: ignore[union-attr]


def test_the_row_writer_saves_partially_and_says_what_it_did(session: Session) -> None:
    writer = RowWriter(session)
    assert writer.save(Taxonomy, {"id": "t1", "name": "Needs"}) == "created"
    assert writer.save(Taxonomy, {"id": "t1", "name": "Needs"}) == "unchanged"
    assert writer.save(Taxonomy, {"id": "t1", "version": "2"}) == "updated"
    assert writer.existing(Taxonomy, ["t1"])["t1"]["name"] == "Needs"
    assert writer.remove(Taxonomy, "t1") and not writer.remove(Taxonomy, "t1")
