"""themes: when a digest first showed a label; PM-touched themes locked

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-15 10:00:00.000000

``themes.label_shown_at``: a label shown in a digest changes only when a PM renames it
(backfilled from the themes listed in the digest runs' ranking snapshots). ``themes.locked``
now means "a PM acted on this theme", set by every admin change; existing themes a PM
touched (status, effort, confidence, a chosen label, a merge into it, a split from it or
into it, a request placed by hand) are backfilled as locked.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("label_shown_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    connection = op.get_bind()
    themes = sa.table(
        "themes",
        sa.column("id", sa.Integer()),
        sa.column("locked", sa.Boolean()),
        sa.column("label_shown_at", storage.types.UTCDateTime(timezone=True)),
    )
    _mark_shown(connection, themes)
    _lock_touched(connection, themes)


def downgrade() -> None:
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.drop_column("label_shown_at")


def _mark_shown(connection: sa.Connection, themes: sa.TableClause) -> None:
    runs = sa.table(
        "digest_runs",
        sa.column("started_at", storage.types.UTCDateTime(timezone=True)),
        sa.column("ranking", sa.JSON()),
    )
    first_shown: dict[int, datetime] = {}
    for started_at, ranking in connection.execute(sa.select(runs.c.started_at, runs.c.ranking)):
        positions = (ranking or {}).get("positions") or {}
        for theme_id in positions:
            if str(theme_id).isdigit():
                when = started_at or datetime.now(UTC)
                known = first_shown.get(int(theme_id))
                first_shown[int(theme_id)] = min(when, known) if known else when
    for theme_id, when in first_shown.items():
        connection.execute(
            themes.update().where(themes.c.id == theme_id).values(label_shown_at=when)
        )


def _lock_touched(connection: sa.Connection, themes: sa.TableClause) -> None:
    op.execute(
        "UPDATE themes SET locked = TRUE WHERE status <> 'open' OR effort IS NOT NULL "
        "OR confidence IS NOT NULL OR pinned = TRUE "
        "OR id IN (SELECT merged_into_id FROM themes WHERE merged_into_id IS NOT NULL) "
        "OR id IN (SELECT theme_id FROM requests "
        "WHERE pinned_to_theme = TRUE AND theme_id IS NOT NULL)"
    )
    audit = sa.table("audit_log", sa.column("action", sa.String()), sa.column("details", sa.JSON()))
    split_from: set[int] = set()
    for (details,) in connection.execute(
        sa.select(audit.c.details).where(audit.c.action == "request.split")
    ):
        source = (details or {}).get("from_theme")
        if isinstance(source, int):
            split_from.add(source)
    if split_from:
        connection.execute(
            themes.update().where(themes.c.id.in_(sorted(split_from))).values(locked=True)
        )
