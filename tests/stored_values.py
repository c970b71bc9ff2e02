"""What a test left in the database, checked against bot/statuses.py.

Every status, kind, reason, purpose and role column names its enum in `info["enum"]`
(bot/models.py); the channel columns must hold a registered channel. The database fixtures call
`unknown_values` when a test ends, so any code path the suites exercise that stores a value the
enums do not list fails the test that ran it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, create_engine, select

from bot.channels import registry
from bot.models import Base, ChannelAddress, InboundMessage, OutboundMessage

CHANNEL_COLUMNS = tuple(model.__table__.c.channel for model in (ChannelAddress, InboundMessage, OutboundMessage))


def enum_columns() -> list[Any]:
    return [column for table in Base.metadata.sorted_tables for column in table.columns if "enum" in column.info]


def unknown_values(database_url: str) -> list[str]:
    """'table.column=value' for each stored value that is not a member of the column's enum."""
    engine = create_engine(database_url)
    found: list[str] = []
    try:
        with engine.connect() as connection:
            checks: list[tuple[ColumnElement[Any], set[str]]] = [
                (c, set(c.info["enum"].values())) for c in enum_columns()
            ]
            channels = {c.name for c in registry.channels()}
            checks += [(c, channels) for c in CHANNEL_COLUMNS]
            for column, allowed in checks:
                stored = connection.scalars(select(column).distinct())
                name = f"{column.table.name}.{column.name}"  # type: ignore[attr-defined]
                # A nullable column may hold None (inbound_message.precheck: not checked yet).
                found += [f"{name}={value!r}" for value in stored
                          if value not in allowed and not (value is None and column.nullable)]
    finally:
        engine.dispose()
    return sorted(found)
