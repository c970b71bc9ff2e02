"""Curators keep the directory right: add, edit, verify, close listings, each change audited."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.console.auth import create_user
from bot.db import engine_for, session_factory
from bot.models import AuditLog
from community_directory.models import Location, Service, ServicePoint, TaxonomyTerm
from tests.api.directory_app import demo_database, make_app

CURATOR = ("cur", "another-long-password")
LINK_WORKER = ("lw", "a-long-password")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo directory plus console accounts (hashing passwords is slow, so once per module)."""
    path = tmp_path_factory.mktemp("console") / "template.db"
    url = demo_database(tmp_path_factory.getbasetemp(), path)
    with session_factory(url)() as s:
        create_user(s, *CURATOR, "curator")
        create_user(s, *LINK_WORKER, "link_worker")
        s.commit()
    engine_for(url).dispose()  # folds the WAL into the file before it is copied
    return path


@pytest.fixture
def url(template: Path, tmp_path: Path) -> str:
    shutil.copyfile(template, tmp_path / "console.db")
    return f"sqlite:///{tmp_path / 'console.db'}"


@pytest.fixture
def db(url: str):
    with session_factory(url)() as s:
        yield s


@pytest.fixture
def client(url: str):
    with TestClient(make_app(url)) as c:
        yield c


def login(client: TestClient, username: str, password: str) -> None:
    token = csrf(client, "/console/login")
    client.post("/console/login", data={"username": username, "password": password, "csrf": token})


def csrf(client: TestClient, path: str = "/console") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def term_ids(db, *codes: str) -> list[str]:
    return list(db.scalars(select(TaxonomyTerm.id).where(TaxonomyTerm.code.in_(codes))))


def new_listing(db, **changes: object) -> dict[str, object]:
    form = {
        "organization": "Millfield Model Railway Society", "name": "Millfield Model Railway Club",
        "description": "Build and run model trains with friendly people.",
        "needs": term_ids(db, "loneliness", "creative"),
        "venue": "Millfield Community Hall", "address_1": "1 Hylton Road", "city": "Sunderland", "postcode": "SR4 7AA",
        "wheelchair": "yes", "day": "TU", "start_time": "10:00", "end_time": "12:30", "cost": "paid", "amount": "2.50",
        "application_process": "Just turn up.", "phone": "0191 555 0123", "email": "trains@example.org",
    }
    form.update(changes)
    return form


def audit(db, service_id: str) -> list[AuditLog]:
    db.expire_all()
    return list(db.scalars(select(AuditLog).where(AuditLog.entity_id == service_id).order_by(AuditLog.at)))


def test_anonymous_visitors_are_sent_to_login(client):
    for path in ("/console/directory", "/console/directory/listings", "/console/directory/new"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/console/login"


def test_link_workers_cannot_open_or_change_the_directory(client, db):
    login(client, *LINK_WORKER)
    service_id = db.scalars(select(Service.id)).first()
    assert client.get("/console/directory").status_code == 403
    assert client.get(f"/console/directory/listings/{service_id}").status_code == 403
    response = client.post(f"/console/directory/listings/{service_id}/deactivate", data={"csrf": csrf(client)})
    assert response.status_code == 403
    assert db.get(Service, service_id).status == "active" and audit(db, service_id) == []


def test_overview_counts_match_the_directory(client, db):
    login(client, *CURATOR)
    page = client.get("/console/directory").text
    active = len(db.scalars(select(Service.id).where(Service.status == "active")).all())
    full = len(db.scalars(select(Service.id).where(Service.status == "active", Service.is_full.is_(True))).all())
    cell = r'</a></th><td class="nhsuk-table__cell nhsuk-table__cell--numeric">'
    assert re.search(rf"Active listings{cell}{active}<", page)
    assert re.search(rf"Full{cell}{full}<", page)
    assert re.search(rf"Left out of matching{cell}[1-9]\d*<", page)  # the demo has stale listings


def test_curator_creates_a_listing_that_is_audited_and_published(client, db):
    login(client, *CURATOR)
    form = new_listing(db)
    response = client.post("/console/directory/new", data={**form, "csrf": csrf(client, "/console/directory/new")})
    assert response.status_code == 200 and "Listing added." in response.text
    service = db.scalars(select(Service).where(Service.name == "Millfield Model Railway Club")).one()
    assert (service.status, service.last_verified_at, service.verified_by) == ("active", date.today(), "cur")
    location = service.service_at_locations[0].location
    assert location.addresses[0].postal_code == "SR4 7AA" and 54.8 < location.latitude < 55.0
    assert db.scalars(select(ServicePoint).where(ServicePoint.service_id == service.id)).first().latitude
    assert service.schedules[0].byday == "TU" and service.schedules[0].opens_at == "10:00"
    assert service.cost_options[0].amount == 2.5 and service.phones[0].number == "0191 555 0123"

    (entry,) = audit(db, service.id)
    assert (entry.actor, entry.action, entry.entity) == ("cur", "create", "service")
    assert entry.changes["name"] == [None, "Millfield Model Railway Club"]
    assert entry.changes["postcode"] == [None, "SR4 7AA"]
    assert entry.changes["needs"] == [None, ["Arts and crafts", "Meeting people"]]
    assert "Tuesdays 10am-12:30pm" in response.text and "£2.50" in response.text

    published = client.get(f"/api/services/{service.id}").json()
    assert published["name"] == "Millfield Model Railway Club" and published["x_is_demo"] is False
    assert published["organization"]["name"] == "Millfield Model Railway Society"


def test_curator_edits_a_listing_and_sees_its_history(client, db):
    login(client, *CURATOR)
    service = db.scalars(select(Service).where(Service.name == "Hendon Health Walk")).one()
    edit_page = client.get(f"/console/directory/listings/{service.id}/edit").text
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+" class="[^"]*"(?: type="\w+")? value="([^"]*)"', edit_page))
    form = {**fields, "description": "A gentle walk along the seafront.", "needs": term_ids(db, "physical_activity"),
            "wheelchair": "", "day": "TH", "cost": "free", "application_process": "", "csrf": csrf(client)}
    old_name = service.name
    form["name"] = "Hendon Seafront Walk"
    response = client.post(f"/console/directory/listings/{service.id}/edit", data=form)
    assert "Changes saved." in response.text

    entry = audit(db, service.id)[-1]
    assert (entry.actor, entry.action) == ("cur", "edit")
    assert entry.changes["name"] == [old_name, "Hendon Seafront Walk"]
    assert entry.changes["description"][1] == "A gentle walk along the seafront."
    assert entry.changes["schedule"][1].startswith("Thursdays")
    history = response.text.split('<h2 id="history">History</h2>')[1]
    assert "cur" in history and f"name: {old_name} → Hendon Seafront Walk" in history


def test_moving_one_listing_leaves_the_shared_venue_alone(client, db):
    login(client, *CURATOR)
    shared = db.scalars(select(Location).where(Location.service_at_locations.any())).all()
    venue = next(loc for loc in shared if len(loc.service_at_locations) > 1)
    mover, stayer = (sal.service for sal in venue.service_at_locations[:2])
    form = new_listing(db, name=mover.name, organization=mover.organization.name, needs=[],
                       venue="New Hall", address_1="2 New Street", postcode="SR1 3SD")
    client.post(f"/console/directory/listings/{mover.id}/edit", data={**form, "csrf": csrf(client)})
    db.expire_all()
    assert db.get(Service, mover.id).service_at_locations[0].location.name == "New Hall"
    assert db.get(Service, stayer.id).service_at_locations[0].location_id == venue.id
    assert db.get(Location, venue.id).addresses[0].postal_code != "SR1 3SD"


def test_verifying_a_stale_listing_clears_its_flag(client, db):
    login(client, *CURATOR)
    flagged_page = client.get("/console/directory/listings?check=flagged").text
    flagged = re.findall(r'href="/console/directory/listings/([0-9a-f-]{36})"', flagged_page)
    assert flagged and "Needs verifying" in flagged_page
    old = db.get(Service, flagged[0]).last_verified_at
    assert old is None or old < date.today() - timedelta(days=150)
    response = client.post(f"/console/directory/listings/{flagged[0]}/verify", data={"csrf": csrf(client)})
    assert "Marked as verified today." in response.text
    db.expire_all()
    assert db.get(Service, flagged[0]).last_verified_at == date.today()
    entry = audit(db, flagged[0])[-1]
    assert entry.action == "verify"
    assert entry.changes["last_verified_at"] == [old.isoformat() if old else None, date.today().isoformat()]
    assert entry.changes["verified_by"][1] == "cur"
    assert flagged[0] not in client.get("/console/directory/listings?check=flagged").text


def test_deactivating_takes_a_listing_out_of_the_api_and_reactivating_restores_it(client, db):
    login(client, *CURATOR)
    service = db.scalars(select(Service).where(Service.name == "Hendon Health Walk")).one()
    token = csrf(client)
    client.post(f"/console/directory/listings/{service.id}/deactivate", data={"csrf": token})
    assert client.get("/api/services?search=Hendon Health Walk").json()["total_items"] == 0
    client.post(f"/console/directory/listings/{service.id}/reactivate", data={"csrf": token})
    assert client.get("/api/services?search=Hendon Health Walk").json()["total_items"] == 1
    client.post(f"/console/directory/listings/{service.id}/full", data={"csrf": token})
    page = client.get(f"/console/directory/listings/{service.id}").text
    assert "<strong>full</strong>" in page
    changes = [(e.action, e.changes) for e in audit(db, service.id)]
    assert changes == [("deactivate", {"status": ["active", "inactive"]}),
                       ("reactivate", {"status": ["inactive", "active"]}),
                       ("mark_full", {"is_full": [False, True]})]


def test_changes_without_the_csrf_token_are_refused(client, db):
    login(client, *CURATOR)
    service_id = db.scalars(select(Service.id).where(Service.status == "active")).first()
    assert client.post(f"/console/directory/listings/{service_id}/deactivate", data={}).status_code == 403
    assert client.post("/console/directory/new", data=new_listing(db)).status_code == 403
    db.expire_all()
    assert db.get(Service, service_id).status == "active" and audit(db, service_id) == []


def test_bad_input_is_explained_and_what_was_typed_is_kept(client, db):
    login(client, *CURATOR)
    token = csrf(client, "/console/directory/new")
    bad = new_listing(db, postcode="SR9 9ZZ", start_time="14:00", end_time="13:00")
    response = client.post("/console/directory/new", data={**bad, "csrf": token})
    assert response.status_code == 400
    assert "We could not find the postcode “SR9 9ZZ”" in response.text
    assert "The end time must be after the start time." in response.text
    assert 'value="Millfield Model Railway Club"' in response.text and 'value="1 Hylton Road"' in response.text
    missing = client.post("/console/directory/new", data={**new_listing(db, name=""), "csrf": token})
    assert missing.status_code == 400 and "Enter the name of the group or service." in missing.text
    assert db.scalars(select(Service).where(Service.name.like("Millfield Model%"))).first() is None


def test_what_a_curator_writes_is_what_residents_read(client, db):
    """Issue 15: a joining note added after "Just turn up." reached residents as "Just turn up."."""
    from actions.matching import describe
    from bot.text.sms_text import is_gsm7
    from community_directory.matching import MatchRequest, find_matches

    login(client, *CURATOR)
    service = db.scalars(select(Service).where(Service.name == "Hendon Health Walk")).one()
    edit_page = client.get(f"/console/directory/listings/{service.id}/edit").text
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+" class="[^"]*"(?: type="\w+")? value="([^"]*)"', edit_page))
    note = "Just turn up. Ask for Linda at the door."
    form = {**fields, "needs": term_ids(db, "physical_activity", "outdoors", "loneliness"),
            "wheelchair": "yes", "day": "TU", "cost": "free", "application_process": note, "csrf": csrf(client)}
    assert "Changes saved." in client.post(f"/console/directory/listings/{service.id}/edit", data=form).text

    db.expire_all()
    hendon = db.get(Location, db.get(Service, service.id).service_at_locations[0].location_id)
    matches = find_matches(db, MatchRequest(needs=["physical_activity"], lat=hendon.latitude, lon=hendon.longitude,
                                            today=date.today(), limit=20))
    match = next(m for m in matches if m.service_id == service.id)
    assert match.how_to_join == note
    long_place = match.__class__(**{**match.__dict__, "where": "Hendon Park Pavilion, " * 12})
    for shown in (describe(1, match), describe(1, long_place)):
        assert shown.endswith(note) and len(shown) <= 306 and is_gsm7(shown)
