from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
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
        return self.first_of(
            ThemeLink,
            ThemeLink.theme_id == theme_id,
            ThemeLink.provider == provider,
            ThemeLink.item == item,
        )

    def remove(self, link: ThemeLink) -> None:
        self.session.delete(link)
        self.session.flush()

    def move(self, source_id: int, target_id: int) -> None:
        """A merge: the source theme's links become the target's (one link per item)."""
        kept = {(link.provider, link.item) for link in self.of_themes([target_id])}
        for link in self.of_themes([source_id]):
            if (link.provider, link.item) in kept:
                self.session.delete(link)
            else:
                link.theme_id = target_id
        self.session.flush()

    def of_themes(self, theme_ids: Iterable[int]) -> list[ThemeLink]:
        wanted = sorted(set(theme_ids))
        if not wanted:
            return []
        return self.rows_of(ThemeLink, ThemeLink.theme_id.in_(wanted), order_by=[ThemeLink.id])


class LinkStates:
    """Tracker items' states, for every workspace that linked them (a webhook names the
    item, not the workspace)."""

    #: States in which work on an item has begun.
    STARTED = frozenset({"in_progress", "done"})

    def __init__(self, session: Session) -> None:
        self.session = session

    def links_to(self, provider: str, item: str) -> list[ThemeLink]:
        return list(
            self.session.scalars(
                select(ThemeLink)
                .where(ThemeLink.provider == provider, ThemeLink.item == item)
                .order_by(ThemeLink.id)
            )
        )

    def set_state(
        self, provider: str, item: str, state: str, now: datetime
    ) -> tuple[list[ThemeLink], int]:
        """Store the item's state on every link to it: (the links whose state changed, how
        many links it touched). The first state in :attr:`STARTED` dates the start of work."""
        links = self.links_to(provider, item)
        changed = [link for link in links if link.state != state]
        for link in changed:
            link.state = state
            if state in self.STARTED and link.started_at is None:
                link.started_at = now
        self.session.flush()
        return changed, len(links)

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
