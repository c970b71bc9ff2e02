"""directory text search: searched text per service (FTS5 on SQLite, GIN on PostgreSQL), audience tags

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('directory_service_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('search_id', sa.Integer(), nullable=True))

    op.create_table('directory_search_text',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('service_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.Text(), server_default='', nullable=False),
    sa.Column('body', sa.Text(), server_default='', nullable=False),
    sa.Column('terms', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['hsds_service.id'],
                            name=op.f('fk_directory_search_text_service_id_hsds_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_search_text')),
    sa.UniqueConstraint('service_id', name=op.f('uq_directory_search_text_service_id'))
    )
    # The full-text side differs by engine; text_search.py holds the exact statements.
    from community_directory import text_search
    from community_directory.search_index import refresh_search_index

    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for statement in text_search.SQLITE_DDL:
            op.execute(statement)
    elif bind.dialect.name == 'postgresql':
        op.execute(
            "CREATE INDEX ix_directory_search_text_document ON directory_search_text USING gin (("
            "setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A'::\"char\") || "
            "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B'::\"char\") || "
            "setweight(to_tsvector('english'::regconfig, coalesce(terms, '')), 'C'::\"char\")))"
        )
    # Derived rows: rebuild them for what is already in the directory (nothing on a new database).
    refresh_search_index(Session(bind=bind))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for statement in ('DROP TABLE IF EXISTS directory_search_fts',):
            op.execute(statement)
    elif bind.dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_directory_search_text_document')
    op.drop_table('directory_search_text')
    with op.batch_alter_table('directory_service_point', schema=None) as batch_op:
        batch_op.drop_column('search_id')
        batch_op.drop_column('audience')
