"""person: what matters in their own words, and the need keys it was read as

Revision ID: 0012
Revises: 0004
Create Date: 2026-12-01 09:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("what_matters", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("needs", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("needs")
        batch_op.drop_column("what_matters")
