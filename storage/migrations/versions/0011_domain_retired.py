"""domains.retired_at: an admin retires a domain from Slack without losing its history

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:40:00.000000

A retired domain is offered nowhere (forms, App Home, digests) but its requests, votes
and pulse answers keep it, so figures of earlier periods stay the same.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("domains") as batch:
        batch.add_column(
            sa.Column("retired_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("domains") as batch:
        batch.drop_column("retired_at")
