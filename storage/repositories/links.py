from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

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


class LinkStates:
    """Tracker items' states, for every workspace that linked them (a webhook names the
    item, not the workspace)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def set_state(self, provider: str, item: str, state: str) -> int:
        """Store the item's state on every link to it; how many links it touched."""
        result = self.session.execute(
            update(ThemeLink)
            .where(ThemeLink.provider == provider, ThemeLink.item == item)
            .values(state=state)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def linked_items(self) -> dict[tuple[str, str], frozenset[str | None]]:
        """Every linked (provider, item) once, however many workspaces and themes link it,
        with the states its links hold now (None: not read yet), in provider, item order."""
        rows = self.session.execute(
            select(ThemeLink.provider, ThemeLink.item, ThemeLink.state)
            .distinct()
            .order_by(ThemeLink.provider, ThemeLink.item)
        )
        items: dict[tuple[str, str], set[str | None]] = {}
        for provider, item, state in rows:
            items.setdefault((provider, item), set()).add(state)
        return {key: frozenset(states) for key, states in items.items()}
