"""outbound_message leases: claimed_by, lease_until, attempt_started_at

Several app processes share the outbox: a message is sent by the process holding its lease, and
taken over by another once the lease has expired.

Revision ID: 0010
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_message') as batch:
        batch.add_column(sa.Column('claimed_by', sa.String(length=96), nullable=True))
        batch.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('attempt_started_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbound_message') as batch:
        batch.drop_column('attempt_started_at')
        batch.drop_column('lease_until')
        batch.drop_column('claimed_by')
