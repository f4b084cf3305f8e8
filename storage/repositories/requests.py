from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select, update

from storage.enums import RequestSource
from storage.models import Request, User, utcnow
from storage.repositories.base import Repository


class RequestRepository(Repository):
    def log_once(
        self,
        *,
        idempotency_key: str,
        title: str,
        requester_id: int,
        source: RequestSource,
        body: str = "",
        logged_by_id: int | None = None,
        domain_id: int | None = None,
        objective_id: int | None = None,
        pain: int | None = None,
        message_link: str | None = None,
        created_at: datetime | None = None,
    ) -> tuple[Request, bool]:
        """Store a request unless one with this idempotency key exists: (request, created)."""
        request = Request(
            workspace_id=self.workspace_id,
            idempotency_key=idempotency_key,
            title=title,
            body=body,
            requester_id=requester_id,
            logged_by_id=logged_by_id,
            source=source,
            domain_id=domain_id,
            objective_id=objective_id,
            pain=pain,
            message_link=message_link,
            created_at=created_at or utcnow(),
        )
        return self.insert_once(request, lambda: self.by_idempotency_key(idempotency_key))

    def by_id(self, request_id: int) -> Request | None:
        request = self.session.get(Request, request_id)
        if request is None or request.workspace_id != self.workspace_id:
            return None
        return request

    def by_idempotency_key(self, key: str) -> Request | None:
        return self.session.scalar(select(Request).where(Request.idempotency_key == key))

    def live(self) -> list[Request]:
        """Every request that still counts (not withdrawn), oldest first."""
        return list(
            self.session.scalars(
                select(Request)
                .where(Request.workspace_id == self.workspace_id, Request.withdrawn_at.is_(None))
                .order_by(Request.id)
            )
        )

    def live_between(self, after_id: int, before_id: int) -> list[Request]:
        """Live requests with after_id < id < before_id, oldest first (to catch an index up)."""
        return list(
            self.session.scalars(
                select(Request)
                .where(
                    Request.workspace_id == self.workspace_id,
                    Request.withdrawn_at.is_(None),
                    Request.id > after_id,
                    Request.id < before_id,
                )
                .order_by(Request.id)
            )
        )

    def in_theme(self, theme_id: int) -> list[Request]:
        return list(
            self.session.scalars(
                select(Request)
                .where(Request.theme_id == theme_id, Request.withdrawn_at.is_(None))
                .order_by(Request.created_at, Request.id)
            )
        )

    def by_requester(self, slack_id: str) -> list[Request]:
        return list(
            self.session.scalars(
                select(Request)
                .join(User, Request.requester_id == User.id)
                .where(Request.workspace_id == self.workspace_id, User.slack_id == slack_id)
                .order_by(Request.created_at.desc(), Request.id.desc())
            )
        )

    def withdraw(self, request: Request, at: datetime | None = None) -> None:
        request.withdrawn_at = at or utcnow()
        self.session.flush()

    def assign_themes(self, theme_by_request: Mapping[int, int]) -> None:
        """Move requests to themes in bulk (after a re-clustering)."""
        for request_id, theme_id in theme_by_request.items():
            self.session.execute(
                update(Request).where(Request.id == request_id).values(theme_id=theme_id)
            )

    def count(self) -> int:
        return (
            self.session.scalar(
                select(func.count(Request.id)).where(Request.workspace_id == self.workspace_id)
            )
            or 0
        )
