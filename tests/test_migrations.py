from alembic import command

from bot.migrate import alembic_config, upgrade


def test_migrations_match_the_models(tmp_path):
    """A model change without a migration would break every existing database; this catches it."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    command.check(alembic_config(url))  # raises if autogenerate would produce a new migration
