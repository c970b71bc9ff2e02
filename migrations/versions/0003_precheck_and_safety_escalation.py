"""inbound pre-check done, safety text escalated

Revision ID: 0003
Revises: 0005
Create Date: 2026-12-01 09:30:00.000000

`inbound_message.precheck` records that the checks which never wait for the per-person queue
(risk, STOP/START) were done for a message, and what they found, so a restart neither repeats
nor skips them. `outbound_message.escalated_at` records that an undeliverable safety text has
raised its urgent flag (once).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('precheck', sa.String(length=16), nullable=True))
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_column('precheck')
