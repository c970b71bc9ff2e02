"""The community directory's tables: HSDS 3.0 (Open Referral UK profile) plus a few local ones.

HSDS tables keep the specification's field names so imports and exports map one to one; they
are prefixed `hsds_` so they never clash with the application's own tables. Local additions:

* columns on `hsds_service` that HSDS has no place for (verification, capacity, demo flag,
  referral counts for fair spread). Those exported carry `info["export"]`, the `x_` name
  used in files, so other systems can tell them from HSDS fields;
* `directory_service_point` and `directory_service_need`: a search index derived from
  the HSDS rows (see search_index.py), so matching can prefilter in SQL;
* `geo_postcode`: the ONS postcode lookup (see geography.py).

Identifiers are text (UUIDs as text when we mint them). Nothing here is SQLite-only.

Column `info` keys read by the importer/exporter: "enum" (allowed values), "case"
("lower"/"upper": how an enum is normalised), "parse" ("time" for HSDS time strings),
"export" (file name of a local column), "internal" (never imported or exported).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.dialects import postgresql  # noqa: F401  (registers to_tsvector & co. for search_document)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ID_LENGTH = 255
ServiceStatus = ("active", "inactive", "defunct", "temporarily closed")
LocationType = ("physical", "postal", "virtual")
AddressType = ("physical", "postal", "virtual")
WeekDay = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
Frequency = ("WEEKLY", "MONTHLY")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base owned by this package; the lead's Alembic env includes its metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _id() -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), primary_key=True)


def _owner(table: str) -> Mapped[str]:
    """The parent a row cannot exist without: deleting the parent deletes the row."""
    return mapped_column(String(ID_LENGTH), ForeignKey(f"{table}.id", ondelete="CASCADE"), index=True)


def _link(table: str) -> Mapped[str | None]:
    """An optional link: deleting the other row just clears it.

    Indexed by a partial index (see _index_links), as these are mostly empty.
    """
    return mapped_column(
        String(ID_LENGTH), ForeignKey(f"{table}.id", ondelete="SET NULL"), nullable=True, info={"link": True}
    )


def _text() -> Mapped[str | None]:
    return mapped_column(Text, nullable=True)


def _number() -> Mapped[float | None]:
    return mapped_column(Float, nullable=True)


def _date() -> Mapped[date | None]:
    return mapped_column(Date, nullable=True)


def _enum(values: tuple[str, ...], case: str, required: bool = False) -> Mapped[str]:
    return mapped_column(String(32), nullable=not required, info={"enum": values, "case": case})


def _attributes(model: str) -> Mapped[list[Attribute]]:
    # HSDS attributes and metadata point at any table by id, so there is no foreign key.
    return relationship(
        "Attribute",
        primaryjoin=f"foreign(Attribute.link_id) == {model}.id",
        viewonly=True,
        order_by="Attribute.id",
    )


def _metadata(model: str) -> Mapped[list[MetadataRecord]]:
    return relationship(
        "MetadataRecord",
        primaryjoin=f"foreign(MetadataRecord.resource_id) == {model}.id",
        viewonly=True,
        order_by="MetadataRecord.id",
    )


class Organization(Base):
    __tablename__ = "hsds_organization"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = _text()
    description: Mapped[str | None] = _text()
    email: Mapped[str | None] = _text()
    website: Mapped[str | None] = _text()
    tax_status: Mapped[str | None] = _text()
    tax_id: Mapped[str | None] = _text()
    year_incorporated: Mapped[float | None] = _number()
    legal_status: Mapped[str | None] = _text()
    logo: Mapped[str | None] = _text()
    uri: Mapped[str | None] = _text()
    # May name an organization held by another directory, so not a foreign key.
    parent_organization_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), nullable=True)

    services: Mapped[list[Service]] = relationship(
        back_populates="organization", order_by="Service.id", passive_deletes=True
    )
    locations: Mapped[list[Location]] = relationship(
        back_populates="organization", order_by="Location.id", passive_deletes=True
    )
    programs: Mapped[list[Program]] = relationship(
        order_by="Program.id", passive_deletes=True, cascade="all, delete-orphan"
    )
    funding: Mapped[list[Funding]] = relationship(
        foreign_keys="Funding.organization_id", order_by="Funding.id", passive_deletes=True
    )
    contacts: Mapped[list[Contact]] = relationship(
        foreign_keys="Contact.organization_id", order_by="Contact.id", passive_deletes=True
    )
    phones: Mapped[list[Phone]] = relationship(
        foreign_keys="Phone.organization_id", order_by="Phone.id", passive_deletes=True
    )
    organization_identifiers: Mapped[list[OrganizationIdentifier]] = relationship(
        order_by="OrganizationIdentifier.id", passive_deletes=True, cascade="all, delete-orphan"
    )
    attributes: Mapped[list[Attribute]] = _attributes("Organization")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Organization")


class Program(Base):
    __tablename__ = "hsds_program"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _owner("hsds_organization")
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = _text()
    description: Mapped[str | None] = _text()

    attributes: Mapped[list[Attribute]] = _attributes("Program")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Program")


class Service(Base):
    __tablename__ = "hsds_service"
    __table_args__ = (
        # The matching prefilter: only offerable listings are looked at.
        Index("ix_hsds_service_status_is_full", "status", "is_full"),
    )
    id: Mapped[str] = _id()
    organization_id: Mapped[str | None] = _link("hsds_organization")
    program_id: Mapped[str | None] = _link("hsds_program")
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = _text()
    description: Mapped[str | None] = _text()
    url: Mapped[str | None] = _text()
    email: Mapped[str | None] = _text()
    status: Mapped[str] = _enum(ServiceStatus, "lower", required=True)
    interpretation_services: Mapped[str | None] = _text()
    application_process: Mapped[str | None] = _text()
    fees_description: Mapped[str | None] = _text()
    wait_time: Mapped[str | None] = _text()
    fees: Mapped[str | None] = _text()
    accreditations: Mapped[str | None] = _text()
    eligibility_description: Mapped[str | None] = _text()
    minimum_age: Mapped[float | None] = _number()
    maximum_age: Mapped[float | None] = _number()
    assured_date: Mapped[date | None] = _date()
    assurer_email: Mapped[str | None] = _text()
    licenses: Mapped[str | None] = _text()
    alert: Mapped[str | None] = _text()
    last_modified: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)

    # Local: when a curator last confirmed the listing is right, and who.
    last_verified_at: Mapped[date | None] = mapped_column(
        Date, nullable=True, index=True, info={"export": "x_last_verified_at"}
    )
    verified_by: Mapped[str | None] = mapped_column(Text, nullable=True, info={"export": "x_verified_by"})
    # Local: the group has told us it cannot take anyone new.
    is_full: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), info={"export": "x_is_full"}
    )
    # Local: fictional listing from the demo directory.
    is_demo: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), info={"export": "x_is_demo"}
    )
    # Local, operational: how many people the assistant has pointed here (fair spread).
    referral_count: Mapped[int] = mapped_column(
        Integer, default=0, server_default=text("0"), info={"internal": True}
    )
    # Referrals decayed by age (half-life in referrals.py) as of `referrals_counted_on`.
    recent_referrals: Mapped[float] = mapped_column(
        Float, default=0.0, server_default=text("0"), info={"internal": True}
    )
    referrals_counted_on: Mapped[date | None] = mapped_column(Date, nullable=True, info={"internal": True})

    organization: Mapped[Organization | None] = relationship(back_populates="services")
    program: Mapped[Program | None] = relationship()
    phones: Mapped[list[Phone]] = relationship(
        foreign_keys="Phone.service_id", order_by="Phone.id", passive_deletes=True
    )
    schedules: Mapped[list[Schedule]] = relationship(
        foreign_keys="Schedule.service_id", order_by="Schedule.id", passive_deletes=True
    )
    service_areas: Mapped[list[ServiceArea]] = relationship(
        order_by="ServiceArea.id", passive_deletes=True, cascade="all, delete-orphan"
    )
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="service", order_by="ServiceAtLocation.id", passive_deletes=True, cascade="all, delete-orphan"
    )
    languages: Mapped[list[Language]] = relationship(
        foreign_keys="Language.service_id", order_by="Language.id", passive_deletes=True
    )
    funding: Mapped[list[Funding]] = relationship(
        foreign_keys="Funding.service_id", order_by="Funding.id", passive_deletes=True
    )
    cost_options: Mapped[list[CostOption]] = relationship(
        order_by="CostOption.id", passive_deletes=True, cascade="all, delete-orphan"
    )
    required_documents: Mapped[list[RequiredDocument]] = relationship(
        order_by="RequiredDocument.id", passive_deletes=True, cascade="all, delete-orphan"
    )
    contacts: Mapped[list[Contact]] = relationship(
        foreign_keys="Contact.service_id", order_by="Contact.id", passive_deletes=True
    )
    attributes: Mapped[list[Attribute]] = _attributes("Service")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Service")


class Location(Base):
    __tablename__ = "hsds_location"
    __table_args__ = (Index("ix_hsds_location_latitude_longitude", "latitude", "longitude"),)
    id: Mapped[str] = _id()
    location_type: Mapped[str] = _enum(LocationType, "lower", required=True)
    url: Mapped[str | None] = _text()
    organization_id: Mapped[str | None] = _link("hsds_organization")
    name: Mapped[str | None] = _text()
    alternate_name: Mapped[str | None] = _text()
    description: Mapped[str | None] = _text()
    transportation: Mapped[str | None] = _text()
    latitude: Mapped[float | None] = _number()
    longitude: Mapped[float | None] = _number()
    external_identifier: Mapped[str | None] = _text()
    external_identifier_type: Mapped[str | None] = _text()

    organization: Mapped[Organization | None] = relationship(back_populates="locations")
    languages: Mapped[list[Language]] = relationship(
        foreign_keys="Language.location_id", order_by="Language.id", passive_deletes=True
    )
    addresses: Mapped[list[Address]] = relationship(
        order_by="Address.id", passive_deletes=True, cascade="all, delete-orphan"
    )
    contacts: Mapped[list[Contact]] = relationship(
        foreign_keys="Contact.location_id", order_by="Contact.id", passive_deletes=True
    )
    accessibility: Mapped[list[Accessibility]] = relationship(
        order_by="Accessibility.id", passive_deletes=True, cascade="all, delete-orphan"
    )
    phones: Mapped[list[Phone]] = relationship(
        foreign_keys="Phone.location_id", order_by="Phone.id", passive_deletes=True
    )
    schedules: Mapped[list[Schedule]] = relationship(
        foreign_keys="Schedule.location_id", order_by="Schedule.id", passive_deletes=True
    )
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="location", order_by="ServiceAtLocation.id", passive_deletes=True, cascade="all, delete-orphan"
    )
    attributes: Mapped[list[Attribute]] = _attributes("Location")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Location")


class ServiceAtLocation(Base):
    __tablename__ = "hsds_service_at_location"
    id: Mapped[str] = _id()
    service_id: Mapped[str] = _owner("hsds_service")
    location_id: Mapped[str] = _owner("hsds_location")
    description: Mapped[str | None] = _text()

    service: Mapped[Service] = relationship(back_populates="service_at_locations")
    location: Mapped[Location] = relationship(back_populates="service_at_locations")
    contacts: Mapped[list[Contact]] = relationship(
        foreign_keys="Contact.service_at_location_id", order_by="Contact.id", passive_deletes=True
    )
    phones: Mapped[list[Phone]] = relationship(
        foreign_keys="Phone.service_at_location_id", order_by="Phone.id", passive_deletes=True
    )
    schedules: Mapped[list[Schedule]] = relationship(
        foreign_keys="Schedule.service_at_location_id", order_by="Schedule.id", passive_deletes=True
    )
    attributes: Mapped[list[Attribute]] = _attributes("ServiceAtLocation")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("ServiceAtLocation")


class Address(Base):
    __tablename__ = "hsds_address"
    id: Mapped[str] = _id()
    location_id: Mapped[str] = _owner("hsds_location")
    attention: Mapped[str | None] = _text()
    address_1: Mapped[str | None] = _text()
    address_2: Mapped[str | None] = _text()
    city: Mapped[str | None] = _text()
    region: Mapped[str | None] = _text()
    state_province: Mapped[str | None] = _text()
    postal_code: Mapped[str | None] = _text()
    country: Mapped[str | None] = _text()
    address_type: Mapped[str | None] = _enum(AddressType, "lower")

    attributes: Mapped[list[Attribute]] = _attributes("Address")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Address")


class Contact(Base):
    __tablename__ = "hsds_contact"
    id: Mapped[str] = _id()
    organization_id: Mapped[str | None] = _link("hsds_organization")
    service_id: Mapped[str | None] = _link("hsds_service")
    service_at_location_id: Mapped[str | None] = _link("hsds_service_at_location")
    location_id: Mapped[str | None] = _link("hsds_location")
    name: Mapped[str | None] = _text()
    title: Mapped[str | None] = _text()
    department: Mapped[str | None] = _text()
    email: Mapped[str | None] = _text()

    phones: Mapped[list[Phone]] = relationship(
        foreign_keys="Phone.contact_id", order_by="Phone.id", passive_deletes=True
    )
    attributes: Mapped[list[Attribute]] = _attributes("Contact")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Contact")


class Phone(Base):
    __tablename__ = "hsds_phone"
    id: Mapped[str] = _id()
    location_id: Mapped[str | None] = _link("hsds_location")
    service_id: Mapped[str | None] = _link("hsds_service")
    organization_id: Mapped[str | None] = _link("hsds_organization")
    contact_id: Mapped[str | None] = _link("hsds_contact")
    service_at_location_id: Mapped[str | None] = _link("hsds_service_at_location")
    number: Mapped[str] = mapped_column(Text)
    extension: Mapped[float | None] = _number()
    type: Mapped[str | None] = _text()
    description: Mapped[str | None] = _text()

    languages: Mapped[list[Language]] = relationship(
        foreign_keys="Language.phone_id", order_by="Language.id", passive_deletes=True
    )
    attributes: Mapped[list[Attribute]] = _attributes("Phone")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Phone")


class Schedule(Base):
    __tablename__ = "hsds_schedule"
    id: Mapped[str] = _id()
    service_id: Mapped[str | None] = _link("hsds_service")
    location_id: Mapped[str | None] = _link("hsds_location")
    service_at_location_id: Mapped[str | None] = _link("hsds_service_at_location")
    valid_from: Mapped[date | None] = _date()
    valid_to: Mapped[date | None] = _date()
    dtstart: Mapped[date | None] = _date()
    timezone: Mapped[float | None] = _number()
    until: Mapped[date | None] = _date()
    count: Mapped[float | None] = _number()
    wkst: Mapped[str | None] = _enum(WeekDay, "upper")
    freq: Mapped[str | None] = _enum(Frequency, "upper")
    interval: Mapped[float | None] = _number()
    byday: Mapped[str | None] = _text()
    byweekno: Mapped[str | None] = _text()
    bymonthday: Mapped[str | None] = _text()
    byyearday: Mapped[str | None] = _text()
    description: Mapped[str | None] = _text()
    # Kept as written: HSDS allows a UTC offset ("09:00Z"), which a SQL TIME would drop.
    opens_at: Mapped[str | None] = mapped_column(String(32), nullable=True, info={"parse": "time"})
    closes_at: Mapped[str | None] = mapped_column(String(32), nullable=True, info={"parse": "time"})
    schedule_link: Mapped[str | None] = _text()
    attending_type: Mapped[str | None] = _text()
    notes: Mapped[str | None] = _text()

    attributes: Mapped[list[Attribute]] = _attributes("Schedule")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Schedule")


class CostOption(Base):
    __tablename__ = "hsds_cost_option"
    id: Mapped[str] = _id()
    service_id: Mapped[str] = _owner("hsds_service")
    valid_from: Mapped[date | None] = _date()
    valid_to: Mapped[date | None] = _date()
    option: Mapped[str | None] = _text()
    currency: Mapped[str | None] = _text()
    amount: Mapped[float | None] = _number()
    amount_description: Mapped[str | None] = _text()

    attributes: Mapped[list[Attribute]] = _attributes("CostOption")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("CostOption")


class Accessibility(Base):
    __tablename__ = "hsds_accessibility"
    id: Mapped[str] = _id()
    location_id: Mapped[str] = _owner("hsds_location")
    description: Mapped[str | None] = _text()
    details: Mapped[str | None] = _text()
    url: Mapped[str | None] = _text()

    attributes: Mapped[list[Attribute]] = _attributes("Accessibility")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Accessibility")


class Language(Base):
    __tablename__ = "hsds_language"
    id: Mapped[str] = _id()
    service_id: Mapped[str | None] = _link("hsds_service")
    location_id: Mapped[str | None] = _link("hsds_location")
    phone_id: Mapped[str | None] = _link("hsds_phone")
    name: Mapped[str | None] = _text()
    code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = _text()

    attributes: Mapped[list[Attribute]] = _attributes("Language")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Language")


class ServiceArea(Base):
    __tablename__ = "hsds_service_area"
    id: Mapped[str] = _id()
    service_id: Mapped[str] = _owner("hsds_service")
    name: Mapped[str | None] = _text()
    description: Mapped[str | None] = _text()
    extent: Mapped[str | None] = _text()
    extent_type: Mapped[str | None] = _text()
    uri: Mapped[str | None] = _text()

    attributes: Mapped[list[Attribute]] = _attributes("ServiceArea")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("ServiceArea")


class Funding(Base):
    __tablename__ = "hsds_funding"
    id: Mapped[str] = _id()
    organization_id: Mapped[str | None] = _link("hsds_organization")
    service_id: Mapped[str | None] = _link("hsds_service")
    source: Mapped[str | None] = _text()

    attributes: Mapped[list[Attribute]] = _attributes("Funding")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Funding")


class RequiredDocument(Base):
    __tablename__ = "hsds_required_document"
    id: Mapped[str] = _id()
    service_id: Mapped[str] = _owner("hsds_service")
    document: Mapped[str | None] = _text()
    uri: Mapped[str | None] = _text()

    attributes: Mapped[list[Attribute]] = _attributes("RequiredDocument")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("RequiredDocument")


class OrganizationIdentifier(Base):
    __tablename__ = "hsds_organization_identifier"
    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _owner("hsds_organization")
    identifier_scheme: Mapped[str | None] = _text()
    identifier_type: Mapped[str | None] = _text()
    identifier: Mapped[str | None] = _text()

    attributes: Mapped[list[Attribute]] = _attributes("OrganizationIdentifier")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("OrganizationIdentifier")


class Taxonomy(Base):
    __tablename__ = "hsds_taxonomy"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = _text()
    uri: Mapped[str | None] = _text()
    version: Mapped[str | None] = _text()

    terms: Mapped[list[TaxonomyTerm]] = relationship(
        back_populates="taxonomy_detail", order_by="TaxonomyTerm.id", passive_deletes=True
    )
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Taxonomy")


class TaxonomyTerm(Base):
    __tablename__ = "hsds_taxonomy_term"
    id: Mapped[str] = _id()
    code: Mapped[str | None] = mapped_column(String(ID_LENGTH), nullable=True, index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = _text()
    # Parent terms are often in a taxonomy we did not import, so not a foreign key.
    parent_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), nullable=True)
    taxonomy: Mapped[str | None] = _text()
    language: Mapped[str | None] = mapped_column(String(64), nullable=True)
    taxonomy_id: Mapped[str | None] = _link("hsds_taxonomy")
    term_uri: Mapped[str | None] = _text()

    taxonomy_detail: Mapped[Taxonomy | None] = relationship(back_populates="terms")
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("TaxonomyTerm")


class Attribute(Base):
    __tablename__ = "hsds_attribute"
    id: Mapped[str] = _id()
    # Any table's id (see link_entity), so not a foreign key.
    link_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    taxonomy_term_id: Mapped[str | None] = _link("hsds_taxonomy_term")
    link_type: Mapped[str | None] = _text()
    link_entity: Mapped[str | None] = mapped_column(String(64), nullable=True)
    value: Mapped[str | None] = _text()

    taxonomy_term: Mapped[TaxonomyTerm | None] = relationship()
    metadata_records: Mapped[list[MetadataRecord]] = _metadata("Attribute")


class MetadataRecord(Base):
    """An HSDS `metadata` row (a change log entry); named so it never shadows SQLAlchemy's MetaData."""

    __tablename__ = "hsds_metadata"
    id: Mapped[str] = _id()
    resource_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    resource_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_action_date: Mapped[date | None] = _date()
    last_action_type: Mapped[str | None] = _text()
    field_name: Mapped[str | None] = _text()
    previous_value: Mapped[str | None] = _text()
    replacement_value: Mapped[str | None] = _text()
    updated_by: Mapped[str | None] = _text()


class MetaTableDescription(Base):
    __tablename__ = "hsds_meta_table_description"
    id: Mapped[str] = _id()
    name: Mapped[str | None] = _text()
    language: Mapped[str | None] = mapped_column(String(64), nullable=True)
    character_set: Mapped[str | None] = mapped_column(String(64), nullable=True)


# --- Local tables -------------------------------------------------------------------------


class ServicePoint(Base):
    """Where a service can be met, for which need: the matching prefilter's index.

    One row per (place the service meets, or none for phone/online services) and per need it
    meets, plus a row with need_key "" for searches without a need. Derived from
    service_at_location, location, attribute and taxonomy_term rows by
    search_index.refresh_search_index, so one indexed range scan answers "services for these
    needs inside this box". Status, capacity and verification are deliberately not copied:
    they are read live from hsds_service, so a listing marked full is never offered again.
    """

    __tablename__ = "directory_service_point"
    __table_args__ = (Index("ix_directory_service_point_need_lat_lon", "need_key", "latitude", "longitude"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("hsds_service.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), nullable=True)
    # A key from needs.py, or "" (any); the server default lets a migration add the column to filled tables.
    need_key: Mapped[str] = mapped_column(String(32), default="", server_default="")
    source: Mapped[str | None] = mapped_column(String(16), nullable=True)  # taxonomy | text (how we know)
    # Who the listing is for, read from its words (listing_facts.audience_tags): "carers women".
    audience: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # directory_search_text.id of the service: full-text matches (row ids) join here directly.
    search_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latitude: Mapped[float | None] = _number()
    longitude: Mapped[float | None] = _number()


def search_document(name, body, terms):
    """PostgreSQL: the weighted full-text document of one directory_search_text row (name most)."""
    english = text("'english'::regconfig")

    def part(value, weight):
        return func.setweight(func.to_tsvector(english, func.coalesce(value, "")), text(f"'{weight}'::\"char\""))

    return part(name, "A").op("||")(part(body, "B")).op("||")(part(terms, "C"))


class ServiceSearchText(Base):
    """What full-text search reads for one service: name, body (description, eligibility), terms.

    Derived, like directory_service_point, by search_index.refresh_search_index and stored
    normalised (lower case, no apostrophes). On SQLite an FTS5 table (text_search.py, created
    with this table) indexes it through triggers; on PostgreSQL a GIN index on the weighted
    tsvector of these columns does.
    """

    __tablename__ = "directory_search_text"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("hsds_service.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(Text, default="", server_default="")
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    terms: Mapped[str] = mapped_column(Text, default="", server_default="")


Index(
    "ix_directory_search_text_document",
    search_document(ServiceSearchText.__table__.c.name, ServiceSearchText.__table__.c.body,
                    ServiceSearchText.__table__.c.terms),
    postgresql_using="gin",
).ddl_if(dialect="postgresql")


class Postcode(Base):
    """One row of the ONS postcode lookup (NSPL/ONSPD), trimmed to what we use."""

    __tablename__ = "geo_postcode"
    pcds: Mapped[str] = mapped_column(String(8), primary_key=True)  # "SR1 3SD"
    outward: Mapped[str] = mapped_column(String(4), index=True)  # "SR1"
    latitude: Mapped[float | None] = _number()  # None for postcodes ONS cannot place
    longitude: Mapped[float | None] = _number()
    lsoa11: Mapped[str | None] = mapped_column(String(9), nullable=True)
    laua: Mapped[str | None] = mapped_column(String(9), nullable=True)
    imd_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    imd_decile: Mapped[int | None] = mapped_column(Integer, nullable=True)
    doterm: Mapped[str | None] = mapped_column(String(6), nullable=True)  # YYYYMM it was retired


HSDS_MODELS: tuple[type[Base], ...] = (
    Organization,
    Program,
    Service,
    Location,
    ServiceAtLocation,
    Contact,
    Phone,
    Address,
    Schedule,
    CostOption,
    Accessibility,
    Language,
    ServiceArea,
    Funding,
    RequiredDocument,
    OrganizationIdentifier,
    Taxonomy,
    TaxonomyTerm,
    Attribute,
    MetadataRecord,
    MetaTableDescription,
)
"""HSDS tables in an order where every foreign key points at an earlier table."""


def _index_links() -> None:
    """Partial indexes (WHERE col IS NOT NULL) on optional links.

    A phone's organization_id, say, is empty on most rows; with a plain index, SQLite's
    statistics lump the empty rows together and the planner decides the index is useless,
    scanning the table instead. The partial index holds only real links, stays small and is
    always chosen for `col IN (...)`. PostgreSQL gets the same index.
    """
    for model in HSDS_MODELS:
        table = model.__table__
        assert isinstance(table, Table)
        for column in table.c:
            if column.info.get("link"):
                condition = column.is_not(None)
                Index(f"ix_{table.name}_{column.name}", column, sqlite_where=condition, postgresql_where=condition)


_index_links()
