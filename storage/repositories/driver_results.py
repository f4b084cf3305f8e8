"""Reads and writes for driver results: which rounds asked drivers, a PM's ties of themes
to drivers, and who asked for a shipped theme before it shipped (for "did it help?")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.models import DriverAnswer, PulseRound, Request, ThemeDriver
from storage.repositories.base import Repository

#: ``ThemeDriver.tied_by`` of a tie a PM removed: it keeps a suggestion away. The PM's
#: Slack id is in the audit log.
UNTIED = "untied"
SUGGESTED = "suggested"


class DriverResultsRepository(Repository):
    def rounds_with_answers(self) -> set[int]:
        """Rounds of the workspace that hold at least one driver answer."""
        return set(
            self.session.scalars(
                select(DriverAnswer.round_id)
                .join(PulseRound, PulseRound.id == DriverAnswer.round_id)
                .where(PulseRound.workspace_id == self.workspace_id)
                .distinct()
            )
        )

    def decisions(self) -> list[ThemeDriver]:
        """Every tie a PM made or removed in the workspace (stored suggestions left out)."""
        return self.rows_of(
            ThemeDriver, ThemeDriver.tied_by != SUGGESTED, order_by=[ThemeDriver.id]
        )

    def decide(self, theme_id: int, driver_id: int, tied_by: str) -> str | None:
        """Tie (``tied_by`` a PM's Slack id) or untie (:data:`UNTIED`); the previous
        ``tied_by`` of the pair, None if there was none."""
        found = self.session.scalar(
            select(ThemeDriver).where(
                ThemeDriver.theme_id == theme_id, ThemeDriver.driver_id == driver_id
            )
        )
        if found is not None and found.workspace_id != self.workspace_id:
            return None
        if found is None:
            self.add_row(
                ThemeDriver(
                    workspace_id=self.workspace_id,
                    theme_id=theme_id,
                    driver_id=driver_id,
                    tied_by=tied_by,
                )
            )
            return None
        previous = found.tied_by
        found.tied_by = tied_by
        self.session.flush()
        return previous

    def requests_of(self, theme_ids: set[int]) -> list[tuple[int, int, int | None, datetime]]:
        """(theme id, requester's user id, domain id, asked at) of every request of the
        themes, withdrawn or not: who asked before a theme shipped is fixed from then on."""
        if not theme_ids:
            return []
        rows = self.session.execute(
            select(
                Request.theme_id, Request.requester_id, Request.domain_id, Request.created_at
            ).where(
                Request.workspace_id == self.workspace_id,
                Request.theme_id.in_(sorted(theme_ids)),
            )
        )
        return [(t, u, d, at) for t, u, d, at in rows if t is not None]
