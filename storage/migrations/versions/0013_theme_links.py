"""theme_links: a theme's issues and pull requests in GitHub, Jira or Linear

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "theme_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=10), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("linked_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_theme_links_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_links")),
        sa.UniqueConstraint(
            "workspace_id",
            "theme_id",
            "provider",
            "item",
            name=op.f("uq_theme_links_workspace_id_theme_id_provider_item"),
        ),
    )
    op.create_index("ix_theme_links_theme_id", "theme_links", ["theme_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_theme_links_theme_id", table_name="theme_links")
    op.drop_table("theme_links")
