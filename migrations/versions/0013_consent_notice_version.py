"""consent: the privacy notice version answered; person: the changed notice last asked about

Revision ID: 0013
Revises: 0006
Create Date: 2026-12-01 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Answers given before versions were recorded stay None: those people are asked once again.
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_version", sa.String(length=16), nullable=True))
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_asked_version", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("notice_asked_version")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_column("notice_version")
