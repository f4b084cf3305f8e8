from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from storage.models import ThemeLink
from storage.repositories.base import Repository


class ThemeLinkRepository(Repository):
    def add_once(
        self, theme_id: int, provider: str, item: str, url: str, linked_by: str
    ) -> tuple[ThemeLink, bool]:
        """Link the item to the theme unless it is linked already: (link, created)."""
        row = ThemeLink(
            workspace_id=self.workspace_id,
            theme_id=theme_id,
            provider=provider,
            item=item,
            url=url,
            linked_by=linked_by,
        )
        return self.insert_once(row, lambda: self.find(theme_id, provider, item))

    def find(self, theme_id: int, provider: str, item: str) -> ThemeLink | None:
        return self.session.scalar(
            select(ThemeLink).where(
                ThemeLink.workspace_id == self.workspace_id,
                ThemeLink.theme_id == theme_id,
                ThemeLink.provider == provider,
                ThemeLink.item == item,
            )
        )

    def remove(self, link: ThemeLink) -> None:
        self.session.delete(link)
        self.session.flush()

    def of_themes(self, theme_ids: Iterable[int]) -> list[ThemeLink]:
        wanted = sorted(set(theme_ids))
        if not wanted:
            return []
        return list(
            self.session.scalars(
                select(ThemeLink)
                .where(ThemeLink.workspace_id == self.workspace_id, ThemeLink.theme_id.in_(wanted))
                .order_by(ThemeLink.id)
            )
        )
