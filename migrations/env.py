"""Alembic environment: one migration history for the application's and the directory's tables."""

from __future__ import annotations

from alembic import context

from bot.config import load_settings
from bot.db import make_engine
from bot.models import Base as AppBase
from community_directory.models import Base as DirectoryBase

target_metadata = [AppBase.metadata, DirectoryBase.metadata]


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave SQLite's FTS5 table and its shadow tables to migration 0009 (text_search.py): they
    are created by SQL the models cannot describe. The PostgreSQL GIN expression index likewise."""
    if type_ == "table" and name and name.startswith("directory_search_fts"):
        return False
    return not (type_ == "index" and name == "ix_directory_search_text_document")


def _url() -> str:
    return context.config.attributes.get("database_url") or load_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                      include_object=include_object)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()  # closes the last connection, so SQLite folds its WAL into the file


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
