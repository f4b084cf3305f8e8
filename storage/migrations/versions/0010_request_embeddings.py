"""request_embeddings: each request's sentence embedding, stored once

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:00:00.000000

Re-grouping, duplicate suggestions and objective alignment read these instead of
embedding the backlog again. Existing requests get theirs from `pulseboard reindex`
(which `pulseboard db upgrade` runs after migrating), or from the next re-grouping.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_embeddings",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_embeddings_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_request_embeddings")),
    )
    op.create_index(
        "ix_request_embeddings_workspace_model",
        "request_embeddings",
        ["workspace_id", "model"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_request_embeddings_workspace_model", table_name="request_embeddings")
    op.drop_table("request_embeddings")
