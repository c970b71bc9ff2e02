"""How each HSDS object maps to a table, a CSV file and nested JSON.

One registry used by the importer, the exporter and the serialisers, so the three cannot
disagree about field names, file names or which nested array fills which foreign key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Float, Integer

from community_directory import models as m


@dataclass(frozen=True)
class Nested:
    """A nested JSON property: `key` holds `object_name`(s); how it links to its parent.

    child_fk: the child's column set to the parent's id (e.g. phones under a service set
    phone.service_id). parent_fk: the parent's column set to the child's id (e.g. the
    organization inside a service sets service.organization_id).
    """

    key: str
    object_name: str
    many: bool = True
    child_fk: str | None = None
    parent_fk: str | None = None
    inherit: tuple[str, ...] = ()  # parent fields the child takes when it has none (program <- organization_id)


@dataclass(frozen=True)
class HsdsObject:
    name: str  # HSDS object name, e.g. "service"
    model: type[m.Base]
    csv_name: str  # file name in a tabular data package
    fields: tuple[str, ...]  # HSDS scalar fields in specification order
    nested: tuple[Nested, ...] = ()
    aliases: tuple[str, ...] = field(default=())  # other file names seen in the wild

    @property
    def table(self) -> Any:
        return self.model.__table__

    def column(self, name: str) -> Column[Any]:
        return self.table.c[name]

    @property
    def extensions(self) -> dict[str, str]:
        """Local columns written to files: {file field name: column name}."""
        return {c.info["export"]: c.name for c in self.table.c if "export" in c.info}

    @property
    def file_fields(self) -> tuple[str, ...]:
        return self.fields + tuple(self.extensions)


def _meta(extra: tuple[Nested, ...] = (), attributes: bool = True) -> tuple[Nested, ...]:
    common: tuple[Nested, ...] = (Nested("metadata", "metadata", child_fk="resource_id"),)
    if attributes:
        common = (Nested("attributes", "attribute", child_fk="link_id"),) + common
    return extra + common


_PHONES = lambda fk: Nested("phones", "phone", child_fk=fk)  # noqa: E731
_SCHEDULES = lambda fk: Nested("schedules", "schedule", child_fk=fk)  # noqa: E731
_CONTACTS = lambda fk: Nested("contacts", "contact", child_fk=fk)  # noqa: E731
_LANGUAGES = lambda fk: Nested("languages", "language", child_fk=fk)  # noqa: E731
_FUNDING = lambda fk: Nested("funding", "funding", child_fk=fk)  # noqa: E731

OBJECTS: tuple[HsdsObject, ...] = (
    HsdsObject(
        "organization", m.Organization, "organizations.csv",
        ("id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id",
         "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id"),
        _meta((
            _FUNDING("organization_id"),
            _CONTACTS("organization_id"),
            _PHONES("organization_id"),
            Nested("locations", "location", child_fk="organization_id"),
            Nested("programs", "program", child_fk="organization_id"),
            Nested("organization_identifiers", "organization_identifier", child_fk="organization_id"),
            Nested("services", "service", child_fk="organization_id"),
        )),
    ),
    HsdsObject(
        "program", m.Program, "programs.csv",
        ("id", "organization_id", "name", "alternate_name", "description"),
        _meta(),
    ),
    HsdsObject(
        "service", m.Service, "services.csv",
        ("id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email",
         "status", "interpretation_services", "application_process", "fees_description", "wait_time", "fees",
         "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date",
         "assurer_email", "licenses", "alert", "last_modified"),
        _meta((
            _PHONES("service_id"),
            _SCHEDULES("service_id"),
            Nested("service_areas", "service_area", child_fk="service_id"),
            Nested("service_at_locations", "service_at_location", child_fk="service_id"),
            _LANGUAGES("service_id"),
            Nested("organization", "organization", many=False, parent_fk="organization_id"),
            _FUNDING("service_id"),
            Nested("cost_options", "cost_option", child_fk="service_id"),
            Nested("program", "program", many=False, parent_fk="program_id", inherit=("organization_id",)),
            Nested("required_documents", "required_document", child_fk="service_id"),
            _CONTACTS("service_id"),
        )),
    ),
    HsdsObject(
        "location", m.Location, "locations.csv",
        ("id", "location_type", "url", "organization_id", "name", "alternate_name", "description",
         "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type"),
        _meta((
            _LANGUAGES("location_id"),
            Nested("addresses", "address", child_fk="location_id"),
            _CONTACTS("location_id"),
            Nested("accessibility", "accessibility", child_fk="location_id"),
            _PHONES("location_id"),
            _SCHEDULES("location_id"),
        )),
    ),
    HsdsObject(
        "service_at_location", m.ServiceAtLocation, "service_at_location.csv",
        ("id", "service_id", "location_id", "description"),
        _meta((
            _CONTACTS("service_at_location_id"),
            _PHONES("service_at_location_id"),
            _SCHEDULES("service_at_location_id"),
            Nested("location", "location", many=False, parent_fk="location_id"),
            Nested("service", "service", many=False, parent_fk="service_id"),
        )),
        aliases=("service_at_locations.csv", "services_at_location.csv", "services_at_locations.csv"),
    ),
    HsdsObject(
        "contact", m.Contact, "contacts.csv",
        ("id", "organization_id", "service_id", "service_at_location_id", "location_id", "name", "title",
         "department", "email"),
        _meta((_PHONES("contact_id"),)),
    ),
    HsdsObject(
        "phone", m.Phone, "phones.csv",
        ("id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id",
         "number", "extension", "type", "description"),
        _meta((_LANGUAGES("phone_id"),)),
    ),
    HsdsObject(
        "address", m.Address, "addresses.csv",
        ("id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province",
         "postal_code", "country", "address_type"),
        _meta(),
        aliases=("physical_addresses.csv", "postal_addresses.csv"),
    ),
    HsdsObject(
        "schedule", m.Schedule, "schedules.csv",
        ("id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart",
         "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday",
         "byyearday", "description", "opens_at", "closes_at", "schedule_link", "attending_type", "notes"),
        _meta(),
        aliases=("regular_schedules.csv",),
    ),
    HsdsObject(
        "cost_option", m.CostOption, "cost_options.csv",
        ("id", "service_id", "valid_from", "valid_to", "option", "currency", "amount", "amount_description"),
        _meta(),
    ),
    HsdsObject(
        "accessibility", m.Accessibility, "accessibility.csv",
        ("id", "location_id", "description", "details", "url"),
        _meta(),
        aliases=("accessibility_for_disabilities.csv",),
    ),
    HsdsObject(
        "language", m.Language, "languages.csv",
        ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
        _meta(),
    ),
    HsdsObject(
        "service_area", m.ServiceArea, "service_areas.csv",
        ("id", "service_id", "name", "description", "extent", "extent_type", "uri"),
        _meta(),
    ),
    HsdsObject(
        "funding", m.Funding, "funding.csv",
        ("id", "organization_id", "service_id", "source"),
        _meta(),
    ),
    HsdsObject(
        "required_document", m.RequiredDocument, "required_documents.csv",
        ("id", "service_id", "document", "uri"),
        _meta(),
    ),
    HsdsObject(
        "organization_identifier", m.OrganizationIdentifier, "organization_identifiers.csv",
        ("id", "organization_id", "identifier_scheme", "identifier_type", "identifier"),
        _meta(),
    ),
    HsdsObject(
        "taxonomy", m.Taxonomy, "taxonomies.csv",
        ("id", "name", "description", "uri", "version"),
        _meta((Nested("taxonomy_terms", "taxonomy_term", child_fk="taxonomy_id"),), attributes=False),
    ),
    HsdsObject(
        "taxonomy_term", m.TaxonomyTerm, "taxonomy_terms.csv",
        ("id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri"),
        _meta((Nested("taxonomy_detail", "taxonomy", many=False, parent_fk="taxonomy_id"),), attributes=False),
    ),
    HsdsObject(
        "attribute", m.Attribute, "attributes.csv",
        ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
        _meta((Nested("taxonomy_term", "taxonomy_term", many=False, parent_fk="taxonomy_term_id"),),
              attributes=False),
        aliases=("service_attributes.csv", "other_attributes.csv"),
    ),
    HsdsObject(
        "metadata", m.MetadataRecord, "metadata.csv",
        ("id", "resource_id", "resource_type", "last_action_date", "last_action_type", "field_name",
         "previous_value", "replacement_value", "updated_by"),
        (),
    ),
    HsdsObject(
        "meta_table_description", m.MetaTableDescription, "meta_table_descriptions.csv",
        ("id", "name", "language", "character_set"),
        _meta(attributes=False),
    ),
)

BY_NAME: dict[str, HsdsObject] = {o.name: o for o in OBJECTS}
BY_MODEL: dict[type[m.Base], HsdsObject] = {o.model: o for o in OBJECTS}


def object_for_file(file_name: str) -> HsdsObject | None:
    """The HSDS object a CSV file holds, by its standard name, an alias or the singular form."""
    lowered = file_name.lower()
    for obj in OBJECTS:
        names = {obj.csv_name, *obj.aliases, f"{obj.name}.csv", f"{obj.name}s.csv"}
        if lowered in names:
            return obj
    return None


def column_kind(column: Column[Any]) -> str:
    """How a column's values are read: text, number, date, datetime, time, bool, enum, integer."""
    if "enum" in column.info:
        return "enum"
    if column.info.get("parse") == "time":
        return "time"
    kind = type(column.type)
    if issubclass(kind, Boolean):
        return "bool"
    if issubclass(kind, Float):
        return "number"
    if issubclass(kind, Integer):
        return "integer"
    if issubclass(kind, DateTime):
        return "datetime"
    if issubclass(kind, Date):
        return "date"
    return "text"


def required_columns(obj: HsdsObject) -> tuple[str, ...]:
    """Columns a row cannot be stored without (NOT NULL and no default)."""
    return tuple(
        c.name for c in obj.table.c
        if not c.nullable and c.default is None and c.server_default is None
    )


def foreign_keys(obj: HsdsObject) -> dict[str, HsdsObject]:
    """{column: referenced object} for this object's foreign keys."""
    by_table = {o.table.name: o for o in OBJECTS}
    result: dict[str, HsdsObject] = {}
    for column in obj.table.c:
        for fk in column.foreign_keys:
            result[column.name] = by_table[fk.column.table.name]
    return result
