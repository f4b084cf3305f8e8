from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update

from storage.enums import ThemeStatus
from storage.models import Theme, ThemeStatusChange, utcnow
from storage.repositories.base import Repository

MAX_MERGE_CHAIN = 50


class ThemeRepository(Repository):
    def add(self, label: str, top_terms: list[str] | None = None) -> Theme:
        return self.add_row(
            Theme(workspace_id=self.workspace_id, label=label, top_terms=top_terms or [])
        )

    def by_id(self, theme_id: int) -> Theme | None:
        return self.row_by_id(Theme, theme_id)

    def resolve(self, theme_id: int) -> Theme | None:
        """The theme that now stands for ``theme_id``: follows merges, None if deleted."""
        theme = self.by_id(theme_id)
        for _ in range(MAX_MERGE_CHAIN):
            if theme is None or theme.deleted_at is not None:
                return None
            if theme.merged_into_id is None:
                return theme
            theme = self.by_id(theme.merged_into_id)
        return None

    def live(self) -> list[Theme]:
        """Themes that stand on their own: neither merged away nor deleted."""
        return self.rows_of(
            Theme, Theme.merged_into_id.is_(None), Theme.deleted_at.is_(None), order_by=[Theme.id]
        )

    def shipped(self) -> list[Theme]:
        """Shipped themes, with when they shipped, that were not merged into another."""
        return self.rows_of(
            Theme,
            Theme.status == ThemeStatus.SHIPPED,
            Theme.status_changed_at.is_not(None),
            Theme.merged_into_id.is_(None),
        )

    def mark_labels_shown(self, theme_ids: Iterable[int], at: datetime) -> None:
        """Record that a digest showed these themes' labels (the first time counts)."""
        ids = sorted(set(theme_ids))
        if not ids:
            return
        self.session.execute(
            update(Theme)
            .where(
                Theme.workspace_id == self.workspace_id,
                Theme.id.in_(ids),
                Theme.label_shown_at.is_(None),
            )
            .values(label_shown_at=at)
            .execution_options(synchronize_session="fetch")
        )

    def change_status(
        self,
        theme: Theme,
        status: ThemeStatus,
        changed_by: str,
        note: str = "",
        at: datetime | None = None,
    ) -> ThemeStatusChange:
        """Set the status and append it to the theme's history."""
        when = at or utcnow()
        change = ThemeStatusChange(
            workspace_id=self.workspace_id,
            theme_id=theme.id,
            from_status=theme.status,
            to_status=status,
            note=note,
            changed_by=changed_by,
            changed_at=when,
        )
        theme.status = status
        theme.status_changed_at = when
        return self.add_row(change)

    def changes_since(self, since: datetime) -> list[ThemeStatusChange]:
        return self.rows_of(
            ThemeStatusChange,
            ThemeStatusChange.changed_at >= since,
            order_by=[ThemeStatusChange.changed_at, ThemeStatusChange.id],
        )
