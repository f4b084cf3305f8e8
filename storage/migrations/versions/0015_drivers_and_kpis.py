"""drivers, driver answers and theme–driver ties; objective KPIs and their values

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("objectives") as batch:
        batch.add_column(sa.Column("kpi_name", sa.String(length=150), nullable=True))
        batch.add_column(sa.Column("kpi_unit", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("kpi_direction", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("kpi_target", sa.Float(), nullable=True))
    op.create_table(
        "kpi_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("measured_at", MOMENT, nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objectives.id"],
            name=op.f("fk_kpi_values_objective_id_objectives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_values")),
        sa.UniqueConstraint(
            "objective_id", "measured_at", name=op.f("uq_kpi_values_objective_id_measured_at")
        ),
    )
    op.create_index("ix_kpi_values_objective_id", "kpi_values", ["objective_id"], unique=False)
    op.create_table(
        "drivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_drivers_workspace_id_key")),
    )
    op.create_index("ix_drivers_workspace_id", "drivers", ["workspace_id"], unique=False)
    op.create_table(
        "driver_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("answered_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.CheckConstraint(
            "kind IN ('satisfaction', 'importance')", name=op.f("ck_driver_answers_kind_known")
        ),
        sa.CheckConstraint("value >= 1 AND value <= 5", name=op.f("ck_driver_answers_value_range")),
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["domains.id"],
            name=op.f("fk_driver_answers_domain_id_domains"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_answers_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["pulse_rounds.id"],
            name=op.f("fk_driver_answers_round_id_pulse_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_driver_answers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_answers")),
        sa.UniqueConstraint(
            "round_id",
            "user_id",
            "driver_id",
            "kind",
            name=op.f("uq_driver_answers_round_id_user_id_driver_id_kind"),
        ),
    )
    op.create_index("ix_driver_answers_round_id", "driver_answers", ["round_id"], unique=False)
    op.create_table(
        "theme_drivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("tied_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_theme_drivers_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_theme_drivers_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_drivers")),
        sa.UniqueConstraint(
            "theme_id", "driver_id", name=op.f("uq_theme_drivers_theme_id_driver_id")
        ),
    )
    op.create_index("ix_theme_drivers_theme_id", "theme_drivers", ["theme_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_theme_drivers_theme_id", table_name="theme_drivers")
    op.drop_table("theme_drivers")
    op.drop_index("ix_driver_answers_round_id", table_name="driver_answers")
    op.drop_table("driver_answers")
    op.drop_index("ix_drivers_workspace_id", table_name="drivers")
    op.drop_table("drivers")
    op.drop_index("ix_kpi_values_objective_id", table_name="kpi_values")
    op.drop_table("kpi_values")
    with op.batch_alter_table("objectives") as batch:
        batch.drop_column("kpi_target")
        batch.drop_column("kpi_direction")
        batch.drop_column("kpi_unit")
        batch.drop_column("kpi_name")
