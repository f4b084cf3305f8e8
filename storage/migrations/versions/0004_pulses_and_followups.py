"""pulses and follow-ups

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:12:40.118204
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ship_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("status_change_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("followup_request_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "answer IS NULL OR answer IN ('yes', 'partly', 'no')",
            name=op.f("ck_ship_followups_answer_value"),
        ),
        sa.ForeignKeyConstraint(
            ["followup_request_id"],
            ["requests.id"],
            name=op.f("fk_ship_followups_followup_request_id_requests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["status_change_id"],
            ["theme_status_changes.id"],
            name=op.f("fk_ship_followups_status_change_id_theme_status_changes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_ship_followups_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ship_followups_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_followups")),
        sa.UniqueConstraint(
            "status_change_id", "user_id", name=op.f("uq_ship_followups_status_change_id_user_id")
        ),
    )
    with op.batch_alter_table("ship_followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ship_followups_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "pulse_chart_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("digest_run_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("file_id", sa.String(length=32), nullable=True),
        sa.Column("posted_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["digest_run_id"],
            ["digest_runs.id"],
            name=op.f("fk_pulse_chart_posts_digest_run_id_digest_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_chart_posts")),
        sa.UniqueConstraint("digest_run_id", name=op.f("uq_pulse_chart_posts_digest_run_id")),
    )

    with op.batch_alter_table("pulse_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trigger_key", sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_pulse_rounds_trigger_key"), ["trigger_key"]
        )

    with op.batch_alter_table("pulse_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_pulse_responses_request_id_requests"),
            "requests",
            ["request_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("pulse_responses", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_pulse_responses_request_id_requests"), type_="foreignkey"
        )
        batch_op.drop_column("request_id")

    with op.batch_alter_table("pulse_rounds", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_pulse_rounds_trigger_key"), type_="unique")
        batch_op.drop_column("trigger_key")

    op.drop_table("pulse_chart_posts")
    with op.batch_alter_table("ship_followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ship_followups_theme_id"))
    op.drop_table("ship_followups")
