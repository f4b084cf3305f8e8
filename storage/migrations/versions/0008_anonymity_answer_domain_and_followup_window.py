"""anonymity: an answer keeps its author's domain; follow-up questions close

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00.000000

``pulse_responses.domain_id`` and ``pulse_invitations.domain_id``: the person's domain
when they answered and when they were asked, so a closed round's per-domain figures and
participation do not move when someone changes domain (backfilled from the current one). ``ship_followups.closes_at``: answers are taken until then and
the shipment's counts show only after (backfilled as asked_at + 7 days).
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLLOWUP_OPEN_DAYS = 7


SNAPSHOT_TABLES = ("pulse_responses", "pulse_invitations")


def upgrade() -> None:
    for table in SNAPSHOT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("domain_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_domain_id_domains"),
                "domains",
                ["domain_id"],
                ["id"],
                ondelete="SET NULL",
            )
        op.execute(
            f"UPDATE {table} SET domain_id = "
            f"(SELECT users.domain_id FROM users WHERE users.id = {table}.user_id)"
        )
    with op.batch_alter_table("ship_followups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("closes_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    followups = sa.table(
        "ship_followups",
        sa.column("id", sa.Integer()),
        sa.column("asked_at", storage.types.UTCDateTime(timezone=True)),
        sa.column("closes_at", storage.types.UTCDateTime(timezone=True)),
    )
    connection = op.get_bind()
    for row_id, asked_at in connection.execute(sa.select(followups.c.id, followups.c.asked_at)):
        connection.execute(
            followups.update()
            .where(followups.c.id == row_id)
            .values(closes_at=asked_at + timedelta(days=FOLLOWUP_OPEN_DAYS))
        )
    with op.batch_alter_table("ship_followups", schema=None) as batch_op:
        batch_op.alter_column(
            "closes_at",
            existing_type=storage.types.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("ship_followups", schema=None) as batch_op:
        batch_op.drop_column("closes_at")
    for table in SNAPSHOT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_domain_id_domains"), type_="foreignkey"
            )
            batch_op.drop_column("domain_id")
