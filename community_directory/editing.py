"""Curators' listing edits: read a flat listing form, check it, and write it through the row writer.

The form is flatter than HSDS (one venue, one weekly session, one price, one phone), so an
edit only rewrites the parts whose form values changed: an imported listing with, say, a
monthly schedule keeps it unless the curator types new times. Every write goes through
`writing.RowWriter`, the same writer the importer uses, so the matching index is refreshed
the same way whoever changed a listing.

Each change returns what it changed in the curator's words ({field: [old, new]}), which the
application keeps as its audit log. No web code here: the console turns a POST into a
`ListingForm` and renders the pages.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from types import SimpleNamespace
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from community_directory import values as v
from community_directory.geography import lookup_postcode
from community_directory.ids import new_id
from community_directory.listing_facts import wheelchair_access
from community_directory.models import (
    Accessibility,
    Address,
    Attribute,
    CostOption,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from community_directory.needs import NEED_KEYS
from community_directory.schedules import DAY_CODES, DAY_NAMES, describe, read_schedule, read_schedules
from community_directory.taxonomy import ensure_need_terms
from community_directory.writing import RowWriter

Changes = dict[str, list[Any]]

WHEELCHAIR_TEXT = {"yes": "Wheelchair accessible.", "no": "Not suitable for wheelchairs."}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,24}$")
_SINGLE_DAY = re.compile(r"^(MO|TU|WE|TH|FR|SA|SU)$")


@dataclass
class ListingForm:
    """What the curator typed, kept as text so a refused form comes back as it was."""

    organization: str = ""
    organization_description: str = ""
    name: str = ""
    description: str = ""
    needs: list[str] = field(default_factory=list)  # taxonomy term ids
    venue: str = ""
    address_1: str = ""
    city: str = "Sunderland"
    postcode: str = ""
    wheelchair: str = ""  # yes | no | "" (not known)
    day: str = ""  # MO..SU
    start_time: str = ""
    end_time: str = ""
    cost: str = ""  # free | paid | "" (not known)
    amount: str = ""
    application_process: str = ""
    phone: str = ""
    email: str = ""

    # Groups of fields written together; an edit writes a group only when one of its fields changed.
    GROUPS: ClassVar[dict[str, tuple[str, ...]]] = {
        "organization": ("organization",),
        "text": ("name", "description", "application_process", "email"),
        "needs": ("needs",),
        "venue": ("venue", "address_1", "city", "postcode"),
        "wheelchair": ("wheelchair",),
        "schedule": ("day", "start_time", "end_time"),
        "cost": ("cost", "amount"),
        "phone": ("phone",),
    }

    def changed_groups(self, before: ListingForm) -> set[str]:
        mine, theirs = asdict(self), asdict(before)
        mine["needs"], theirs["needs"] = sorted(mine["needs"]), sorted(theirs["needs"])
        return {g for g, names in self.GROUPS.items() if any(mine[n] != theirs[n] for n in names)}


@dataclass
class Checked:
    """The form's values made usable, and anything wrong with them (field -> message)."""

    errors: dict[str, str] = field(default_factory=dict)
    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    amount: float | None = None


def need_terms(session: Session) -> list[TaxonomyTerm]:
    """The needs a curator can tick, by name (the taxonomy is created on first use)."""
    return ensure_need_terms(session)


# -- checking --------------------------------------------------------------------------------


def check(session: Session, form: ListingForm, allowed_terms: set[str], unchanged: set[str] | None = None) -> Checked:
    """Errors for what was typed; groups in `unchanged` (an edit that leaves an imported venue or
    odd schedule alone) are not held to the form's rules."""
    unchanged = unchanged or set()
    out = Checked()
    errors = out.errors
    if not form.name:
        errors["name"] = "Enter the name of the group or service."
    elif len(form.name) > 200:
        errors["name"] = "The name must be 200 characters or fewer."
    if not form.organization:
        errors["organization"] = "Enter the organisation that runs it."
    if set(form.needs) - allowed_terms:
        errors["needs"] = "Choose needs from the list."
    if "venue" not in unchanged and (form.venue or form.address_1 or form.postcode):
        _check_venue(session, form, out)
    if form.wheelchair not in ("", "yes", "no"):
        errors["wheelchair"] = "Choose yes, no or not known."
    if "schedule" not in unchanged:
        _check_schedule(form, errors)
    if form.cost not in ("", "free", "paid"):
        errors["cost"] = "Choose free, paid or not known."
    elif form.cost == "paid":
        try:
            out.amount = v.parse_number(form.amount.lstrip("£"))
        except v.BadValue:
            out.amount = None
        if out.amount is None or out.amount <= 0:
            errors["amount"] = "Enter the price in pounds, like 2.50."
    if form.email and not _EMAIL.match(form.email):
        errors["email"] = "Enter an email address like name@example.org."
    if form.phone and not _PHONE.match(form.phone):
        errors["phone"] = "Enter a phone number using digits and spaces, like 0191 555 0123."
    return out


def _check_venue(session: Session, form: ListingForm, out: Checked) -> None:
    errors = out.errors
    if not form.postcode:
        errors["postcode"] = "Enter the venue's postcode, or leave the whole address empty."
    else:
        found = lookup_postcode(session, form.postcode)
        if found.status in ("ok", "terminated"):
            out.postcode, out.lat, out.lon = found.postcode, found.lat, found.lon
        elif found.status == "malformed":
            errors["postcode"] = f"“{form.postcode}” is not a UK postcode. A postcode looks like SR1 3SD."
        else:
            errors["postcode"] = (f"We could not find the postcode “{form.postcode}”. Check it, "
                                  "or leave the address empty if the group has no venue.")
    if not form.address_1:
        errors["address_1"] = "Enter the first line of the address."
    if not form.city:
        errors["city"] = "Enter the town or city."


def _check_schedule(form: ListingForm, errors: dict[str, str]) -> None:
    if form.day and form.day not in DAY_CODES:
        errors["day"] = "Choose a day of the week."
    times: dict[str, str] = {}
    for name, label in (("start_time", "start"), ("end_time", "end")):
        raw = getattr(form, name)
        if not raw:
            continue
        try:
            parsed = v.parse_time_text(raw)
        except v.BadValue:
            errors[name] = f"Enter the {label} time like 10:00 or 14:30."
        else:
            if parsed:
                times[name] = parsed
    if times and not form.day and "day" not in errors:
        errors["day"] = "Choose the day the session is on."
    if "start_time" in times and "end_time" in times and times["end_time"][:5] <= times["start_time"][:5]:
        errors["end_time"] = "The end time must be after the start time."
    if "end_time" in times and "start_time" not in times and "start_time" not in errors:
        errors["start_time"] = "Enter the start time as well as the end time."


# -- reading a listing ----------------------------------------------------------------------


def _place(service: Service) -> tuple[ServiceAtLocation | None, Location | None, Address | None]:
    sal = service.service_at_locations[0] if service.service_at_locations else None
    location = sal.location if sal else None
    address = location.addresses[0] if location and location.addresses else None
    return sal, location, address


def _access_texts(location: Location | None) -> list[str]:
    if location is None:
        return []
    return [t for a in location.accessibility for t in (a.description, a.details) if t]


def _need_attributes(service: Service) -> list[Attribute]:
    return [a for a in service.attributes if a.taxonomy_term is not None and a.taxonomy_term.code in NEED_KEYS]


def _pounds(amount: float) -> str:
    return f"£{amount:.0f}" if float(amount).is_integer() else f"£{amount:.2f}"


def form_from_service(service: Service) -> ListingForm:
    """The listing as the form shows it, for editing."""
    _, location, address = _place(service)
    schedule = service.schedules[0] if service.schedules else None
    day = ""
    if schedule is not None and (schedule.freq or "WEEKLY") == "WEEKLY" and int(schedule.interval or 1) == 1:
        byday = (schedule.byday or "").strip().upper()
        day = byday if _SINGLE_DAY.match(byday) else ""
    option = service.cost_options[0] if service.cost_options else None
    cost, amount = "", ""
    if option is not None and option.amount is not None:
        cost, amount = ("free", "") if option.amount == 0 else ("paid", f"{option.amount:.2f}")
    access = wheelchair_access(_access_texts(location))
    organization = service.organization
    return ListingForm(
        organization=organization.name if organization else "",
        organization_description=(organization.description or "") if organization else "",
        name=service.name or "",
        description=service.description or "",
        needs=sorted(a.taxonomy_term_id for a in _need_attributes(service) if a.taxonomy_term_id),
        venue=(location.name or "") if location else "",
        address_1=(address.address_1 or "") if address else "",
        city=(address.city or "") if address else "",
        postcode=(address.postal_code or "") if address else "",
        wheelchair={True: "yes", False: "no", None: ""}[access],
        day=day,
        start_time=(schedule.opens_at or "")[:5] if schedule else "",
        end_time=(schedule.closes_at or "")[:5] if schedule else "",
        cost=cost,
        amount=amount,
        application_process=service.application_process or "",
        phone=service.phones[0].number if service.phones else "",
        email=service.email or "",
    )


def snapshot(service: Service) -> dict[str, Any]:
    """The listing in the words of the form, for the audit log's old and new values."""
    _, location, address = _place(service)
    access = wheelchair_access(_access_texts(location))
    amounts = [c.amount for c in service.cost_options if c.amount is not None]
    return {
        "organization": service.organization.name if service.organization else None,
        "name": service.name,
        "description": service.description,
        "needs": sorted(a.taxonomy_term.name for a in _need_attributes(service) if a.taxonomy_term),
        "venue": location.name if location else None,
        "address": ", ".join(filter(None, [address.address_1, address.city])) if address else None,
        "postcode": address.postal_code if address else None,
        "wheelchair": {True: "yes", False: "no", None: "not known"}[access],
        "access": " ".join(_access_texts(location)) or None,
        "schedule": describe(read_schedules(service.schedules), None) if service.schedules else None,
        "cost": ("Free" if amounts[0] == 0 else _pounds(amounts[0])) if amounts else None,
        "application_process": service.application_process,
        "phone": service.phones[0].number if service.phones else None,
        "email": service.email,
        "status": service.status,
        "is_full": bool(service.is_full),
        "last_verified_at": service.last_verified_at.isoformat() if service.last_verified_at else None,
        "verified_by": service.verified_by,
    }


def differences(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def _listing(session: Session, service_id: str) -> Service:
    """The service as stored now (the writer works below the ORM, so cached objects are dropped)."""
    session.expire_all()
    service = session.get(Service, service_id)
    if service is None:
        raise LookupError(f"there is no listing with id {service_id}")
    return service


# -- changing a listing ------------------------------------------------------------------------


def create_listing(session: Session, form: ListingForm, checked: Checked, *, by: str,
                   today: date) -> tuple[str, Changes]:
    """A new active listing; whoever creates it has just checked it, so it starts verified.

    Returns the new service id and its fields as changes from nothing.
    """
    writer = RowWriter(session)
    service_id = new_id()
    writer.save(Service, {"id": service_id, "name": form.name, "status": "active", "is_full": False,
                          "is_demo": False, "last_verified_at": today, "verified_by": by})
    groups = form.changed_groups(ListingForm(city="")) | {"organization", "text"}
    _write_groups(writer, service_id, form, checked, groups)
    return service_id, differences({}, snapshot(_listing(session, service_id)))


def edit_listing(session: Session, service_id: str, form: ListingForm, checked: Checked,
                 groups: set[str]) -> Changes:
    """Write the changed groups of the form to the listing; returns what changed."""
    before = snapshot(_listing(session, service_id))
    _write_groups(RowWriter(session), service_id, form, checked, groups)
    return differences(before, snapshot(_listing(session, service_id)))


def verify(session: Session, service_id: str, *, by: str, today: date) -> Changes:
    """A curator has confirmed the listing is right today."""
    return _change_service(session, service_id, {"last_verified_at": today, "verified_by": by})


def set_status(session: Session, service_id: str, status: str) -> Changes:
    """Close (inactive) or reopen (active) a listing; matching offers only active ones."""
    return _change_service(session, service_id, {"status": status})


def set_full(session: Session, service_id: str, is_full: bool) -> Changes:
    """The group cannot take anyone new (or can again); matching stops (or starts) offering it."""
    return _change_service(session, service_id, {"is_full": is_full})


def _change_service(session: Session, service_id: str, values: dict[str, Any]) -> Changes:
    before = snapshot(_listing(session, service_id))
    writer = RowWriter(session)
    if writer.save(Service, {"id": service_id, **values}) == "unchanged":
        return {}
    writer.save(Service, {"id": service_id, "last_modified": datetime.now(timezone.utc)})  # x_ fields publish too
    writer.refresh_index()
    return differences(before, snapshot(_listing(session, service_id)))


def _write_groups(writer: RowWriter, service_id: str, form: ListingForm, checked: Checked, groups: set[str]) -> None:
    """Write the changed groups to the HSDS rows and refresh the matching index."""
    session = writer.session
    if "organization" in groups:
        writer.save(Service, {"id": service_id, "organization_id": _organization(writer, form)})
    if "text" in groups:
        writer.save(Service, {"id": service_id, "name": form.name, "description": form.description or None,
                              "application_process": form.application_process or None,
                              "email": form.email or None})
    if "needs" in groups:
        _write_needs(writer, _listing(session, service_id), form.needs)
    if "venue" in groups:
        _write_venue(writer, _listing(session, service_id), form, checked)
    if "wheelchair" in groups or "venue" in groups:
        _write_wheelchair(writer, _listing(session, service_id), form.wheelchair)
    if "schedule" in groups:
        _write_schedule(writer, _listing(session, service_id), form)
    if "cost" in groups:
        _write_cost(writer, _listing(session, service_id), form, checked)
    if "phone" in groups:
        _write_phone(writer, _listing(session, service_id), form.phone)
    writer.save(Service, {"id": service_id, "last_modified": datetime.now(timezone.utc)})
    writer.refresh_index()


def _organization(writer: RowWriter, form: ListingForm) -> str:
    """The id of the organisation with this name (any case), created when there is none."""
    found = writer.session.scalars(
        select(Organization.id).where(func.lower(Organization.name) == form.organization.lower())
        .order_by(Organization.id)
    ).first()
    if found is not None:
        return found
    organization_id = new_id()
    writer.save(Organization, {"id": organization_id, "name": form.organization,
                               "description": form.organization_description or form.organization})
    return organization_id


def _write_needs(writer: RowWriter, service: Service, wanted: list[str]) -> None:
    current = {a.taxonomy_term_id: a.id for a in _need_attributes(service)}
    for term_id, attribute_id in current.items():
        if term_id not in wanted:
            writer.remove(Attribute, attribute_id)
    for term_id in sorted(set(wanted) - set(current)):
        writer.save(Attribute, {"id": new_id(), "link_id": service.id, "taxonomy_term_id": term_id,
                                "link_type": "need", "link_entity": "service"})


def _write_venue(writer: RowWriter, service: Service, form: ListingForm, checked: Checked) -> None:
    sal, location, address = _place(service)
    if not form.postcode:
        if sal is not None:
            writer.remove(ServiceAtLocation, sal.id)
            _drop_if_unused(writer, location)
        return
    shared = location is not None and any(s.service_id != service.id for s in location.service_at_locations)
    place = {"name": form.venue or form.address_1, "latitude": checked.lat, "longitude": checked.lon}
    if location is None or shared:
        # A venue other listings use stays as it is: this listing moves to a venue of its own.
        location_id = new_id()
        writer.save(Location, {"id": location_id, "location_type": "physical", **place})
        if sal is not None:
            writer.remove(ServiceAtLocation, sal.id)
        writer.save(ServiceAtLocation, {"id": new_id(), "service_id": service.id, "location_id": location_id})
        address = None
    else:
        location_id = location.id
        writer.save(Location, {"id": location_id, **place})
    lines = {"address_1": form.address_1, "city": form.city, "postal_code": checked.postcode}
    if address is None:
        writer.save(Address, {"id": new_id(), "location_id": location_id, "state_province": "Tyne and Wear",
                              "country": "GB", "address_type": "physical", **lines})
    else:
        writer.save(Address, {"id": address.id, **lines})


def _drop_if_unused(writer: RowWriter, location: Location | None) -> None:
    if location is None:
        return
    used = writer.session.scalar(select(func.count()).select_from(ServiceAtLocation)
                                 .where(ServiceAtLocation.location_id == location.id))
    if not used:
        writer.remove(Location, location.id)  # its address and accessibility rows go with it


def _write_wheelchair(writer: RowWriter, service: Service, choice: str) -> None:
    _, location, _ = _place(service)
    if location is None or wheelchair_access(_access_texts(location)) == {"yes": True, "no": False}.get(choice):
        return
    rows = list(location.accessibility)
    if not choice:
        for row in rows:
            writer.remove(Accessibility, row.id)
    elif rows:
        writer.save(Accessibility, {"id": rows[0].id, "description": WHEELCHAIR_TEXT[choice]})
    else:
        writer.save(Accessibility, {"id": new_id(), "location_id": location.id,
                                    "description": WHEELCHAIR_TEXT[choice]})


def _write_schedule(writer: RowWriter, service: Service, form: ListingForm) -> None:
    current = service.schedules[0] if service.schedules else None
    if not (form.day or form.start_time or form.end_time):
        if current is not None:
            writer.remove(Schedule, current.id)
        return
    row: dict[str, Any] = {
        "id": current.id if current is not None else new_id(), "service_id": service.id,
        "freq": "WEEKLY", "interval": 1, "wkst": "MO", "byday": form.day,
        "opens_at": form.start_time or None, "closes_at": form.end_time or None,
        "dtstart": None, "until": None, "count": None, "bymonthday": None, "byweekno": None, "byyearday": None,
    }
    sessions = read_schedule(SimpleNamespace(**row, valid_from=None, valid_to=None, description=None))
    row["description"] = sessions.label if sessions else f"{DAY_NAMES[form.day]}s"
    writer.save(Schedule, row)


def _write_cost(writer: RowWriter, service: Service, form: ListingForm, checked: Checked) -> None:
    current = service.cost_options[0] if service.cost_options else None
    if not form.cost:
        if current is not None:
            writer.remove(CostOption, current.id)
        writer.save(Service, {"id": service.id, "fees_description": None})
        return
    amount = 0.0 if form.cost == "free" else float(checked.amount or 0)
    text = "Free" if amount == 0 else _pounds(amount)
    writer.save(CostOption, {"id": current.id if current is not None else new_id(), "service_id": service.id,
                             "currency": "GBP", "amount": amount, "amount_description": text})
    writer.save(Service, {"id": service.id, "fees_description": text})


def _write_phone(writer: RowWriter, service: Service, number: str) -> None:
    current = service.phones[0] if service.phones else None
    if not number:
        if current is not None:
            writer.remove(Phone, current.id)
    elif current is not None:
        writer.save(Phone, {"id": current.id, "number": number})
    else:
        writer.save(Phone, {"id": new_id(), "service_id": service.id, "number": number, "type": "voice"})
