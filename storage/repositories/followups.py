"""Follow-ups after a theme ships: asked once per (shipment, requester), answered later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.enums import ThemeStatus
from storage.models import Request, ShipFollowup, Theme, ThemeStatusChange, User
from storage.repositories.base import Repository


class FollowupRepository(Repository):
    def shipments_due(
        self, shipped_before: datetime, shipped_after: datetime
    ) -> list[ThemeStatusChange]:
        """Changes to shipped in (after, before] whose theme is still shipped."""
        return list(
            self.session.scalars(
                select(ThemeStatusChange)
                .join(Theme, Theme.id == ThemeStatusChange.theme_id)
                .where(
                    ThemeStatusChange.workspace_id == self.workspace_id,
                    ThemeStatusChange.to_status == ThemeStatus.SHIPPED,
                    ThemeStatusChange.changed_at <= shipped_before,
                    ThemeStatusChange.changed_at > shipped_after,
                    Theme.status == ThemeStatus.SHIPPED,
                    Theme.deleted_at.is_(None),
                )
                .order_by(ThemeStatusChange.id)
            )
        )

    def requesters(self, theme_id: int) -> list[User]:
        return list(
            self.session.scalars(
                select(User)
                .join(Request, Request.requester_id == User.id)
                .where(Request.theme_id == theme_id, Request.withdrawn_at.is_(None))
                .distinct()
                .order_by(User.id)
            )
        )

    def ask_once(
        self,
        theme_id: int,
        status_change_id: int,
        user_id: int,
        at: datetime,
        closes_at: datetime,
    ) -> tuple[ShipFollowup, bool]:
        return self.insert_once(
            ShipFollowup(
                workspace_id=self.workspace_id,
                theme_id=theme_id,
                status_change_id=status_change_id,
                user_id=user_id,
                asked_at=at,
                closes_at=closes_at,
            ),
            lambda: self.session.scalar(
                select(ShipFollowup).where(
                    ShipFollowup.status_change_id == status_change_id,
                    ShipFollowup.user_id == user_id,
                )
            ),
        )

    def by_id(self, followup_id: int) -> ShipFollowup | None:
        return self.row_by_id(ShipFollowup, followup_id)

    def answered_for_themes(self, theme_ids: set[int]) -> list[ShipFollowup]:
        if not theme_ids:
            return []
        return list(
            self.session.scalars(
                select(ShipFollowup)
                .where(ShipFollowup.theme_id.in_(theme_ids), ShipFollowup.answer.is_not(None))
                .order_by(ShipFollowup.answered_at)
            )
        )
