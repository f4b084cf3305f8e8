"""handled deliveries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 12:46:48.994664
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handled_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("handled_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handled_deliveries")),
        sa.UniqueConstraint("key", name=op.f("uq_handled_deliveries_key")),
    )


def downgrade() -> None:
    op.drop_table("handled_deliveries")
