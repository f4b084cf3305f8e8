"""pending placements

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("reply_to", sa.String(length=32), nullable=False),
        sa.Column("response_url", sa.String(length=500), nullable=True),
        sa.Column("enqueued_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_pending_placements_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_placements")),
        sa.UniqueConstraint("request_id", name=op.f("uq_pending_placements_request_id")),
    )
    op.create_index(
        "ix_pending_placements_due", "pending_placements", ["claimed_until", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_pending_placements_due", table_name="pending_placements")
    op.drop_table("pending_placements")
