"""follow-up series, claims and answers; ONS4 wellbeing answers per item

Revision ID: 0005
Revises: 0008
Create Date: 2026-12-01 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0008"
branch_labels = None
depends_on = None


def _new_follow_up_columns() -> tuple[sa.Column, ...]:  # type: ignore[type-arg]
    return (
        sa.Column("sequence", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=32), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("progress", sa.String(length=16), nullable=True),
        sa.Column("progress_gas", sa.Integer(), nullable=True),
        sa.Column("barrier", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )


def upgrade() -> None:
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        for column in _new_follow_up_columns():
            batch_op.add_column(column)
        batch_op.create_index("ix_follow_up_status_due_at", ["status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_up_goal_id"), ["goal_id"], unique=False)

    op.create_table(
        "wellbeing_answer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("goal_id", sa.String(length=36), nullable=True),
        sa.Column("follow_up_id", sa.String(length=36), nullable=True),
        sa.Column("timepoint", sa.String(length=16), nullable=False),
        sa.Column("instrument", sa.String(length=16), nullable=False),
        sa.Column("instrument_version", sa.String(length=32), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["follow_up_id"], ["follow_up.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("wellbeing_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wellbeing_answer_follow_up_id"), ["follow_up_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_wellbeing_answer_goal_id"), ["goal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_wellbeing_answer_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("wellbeing_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wellbeing_answer_person_id"))
        batch_op.drop_index(batch_op.f("ix_wellbeing_answer_goal_id"))
        batch_op.drop_index(batch_op.f("ix_wellbeing_answer_follow_up_id"))
    op.drop_table("wellbeing_answer")
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_goal_id"))
        batch_op.drop_index("ix_follow_up_status_due_at")
        for column in reversed(_new_follow_up_columns()):
            batch_op.drop_column(column.name)
