"""The tables: HSDS field names as the specification has them, and deletes that clean up."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from community_directory.hsds_schema import OBJECTS
from community_directory.models import Base, CostOption, Service, ServiceAtLocation, ServicePoint
from community_directory.schemas import load_schema


def test_every_hsds_object_has_the_specification_fields_in_order() -> None:
    for obj in OBJECTS:
        schema = load_schema(obj.name)
        scalar = [name for name, spec in schema["properties"].items() if spec.get("type") not in ("array", "object")
                  and "$ref" not in spec]
        assert list(obj.fields) == scalar, obj.name
        assert schema.get("path") == obj.csv_name, obj.name


def test_hsds_tables_are_prefixed_and_local_tables_are_not_hsds() -> None:
    names = set(Base.metadata.tables)
    assert {o.table.name for o in OBJECTS} <= names
    assert all(o.table.name.startswith("hsds_") for o in OBJECTS)
    assert {"directory_service_point", "geo_postcode"} <= names


def test_local_service_columns_are_exported_only_under_x_names() -> None:
    service = next(o for o in OBJECTS if o.name == "service")
    assert service.extensions == {
        "x_last_verified_at": "last_verified_at", "x_verified_by": "verified_by",
        "x_is_full": "is_full", "x_is_demo": "is_demo",
    }
    assert not set(service.extensions) & set(service.fields)
    assert "referral_count" not in service.file_fields


def test_deleting_a_service_removes_what_only_belongs_to_it(demo_session: Session) -> None:
    service = demo_session.execute(select(Service).where(Service.name == "Hendon Health Walk")).scalar_one()
    sid = service.id
    demo_session.delete(service)
    demo_session.commit()
    for model, column in ((ServiceAtLocation, ServiceAtLocation.service_id), (CostOption, CostOption.service_id),
                          (ServicePoint, ServicePoint.service_id)):
        assert demo_session.execute(select(func.count()).where(column == sid)).scalar_one() == 0, model
