from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update

from storage.enums import RequestSource
from storage.models import Request, User, utcnow
from storage.repositories.base import Repository

#: Bound parameters per UPDATE of assign_themes (SQLite allows 999 in old builds).
_IDS_PER_STATEMENT = 500


@dataclass(frozen=True)
class LoggedRow:
    """What storing a request gives back: its id and the title it was stored with."""

    id: int
    title: str


@dataclass(frozen=True)
class RequestText:
    id: int
    title: str
    body: str
    theme_id: int | None
    requester_id: int


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
    ) -> tuple[LoggedRow, bool]:
        """Store a request unless one with this idempotency key exists: (row, created).

        The one way a request is stored. A Slack retry (same key) gets the first row back,
        whatever its text; the unique key decides, so racing replicas store one row.
        """
        values = {
            "workspace_id": self.workspace_id,
            "idempotency_key": idempotency_key,
            "title": title,
            "body": body,
            "requester_id": requester_id,
            "logged_by_id": logged_by_id,
            "source": source,
            "domain_id": domain_id,
            "objective_id": objective_id,
            "pain": pain,
            "message_link": message_link,
            "created_at": created_at or utcnow(),
        }
        new_id = self.insert_unless_taken(Request, values, (Request.__table__.c.idempotency_key,))
        if new_id is not None:
            return LoggedRow(new_id, title), True
        existing = self.session.execute(
            select(Request.id, Request.title).where(Request.idempotency_key == idempotency_key)
        ).one()
        return LoggedRow(existing.id, existing.title), False

    def by_id(self, request_id: int) -> Request | None:
        return self.row_by_id(Request, request_id)

    def by_idempotency_key(self, key: str) -> Request | None:
        return self.session.scalar(select(Request).where(Request.idempotency_key == key))

    def live(self) -> list[Request]:
        """Every request that still counts (not withdrawn), oldest first."""
        return self.rows_of(Request, Request.withdrawn_at.is_(None), order_by=[Request.id])

    def live_texts(self, after_id: int = 0, before_id: int | None = None) -> list[RequestText]:
        """Live requests' text and theme, oldest first, with after_id < id < before_id.

        Plain rows, not ORM objects (no requester or domain loaded): building or catching
        up a theme index reads every request.
        """
        request_id = Request.__table__.c.id
        if before_id is None:
            return self._live_texts(request_id > after_id)
        return self._live_texts(request_id > after_id, request_id < before_id)

    def texts_of(self, request_ids: Sequence[int]) -> list[RequestText]:
        """These live requests' text and theme, oldest first (others are left out)."""
        return self._live_texts(Request.__table__.c.id.in_(list(request_ids)))

    def _live_texts(self, *conditions: ColumnElement[bool]) -> list[RequestText]:
        table = Request.__table__
        query = select(
            table.c.id, table.c.title, table.c.body, table.c.theme_id, table.c.requester_id
        ).where(
            table.c.workspace_id == self.workspace_id, table.c.withdrawn_at.is_(None), *conditions
        )
        rows = self.session.connection().execute(query.order_by(table.c.id))
        return [
            RequestText(row.id, row.title, row.body, row.theme_id, row.requester_id) for row in rows
        ]

    def in_theme(self, theme_id: int) -> list[Request]:
        return list(
            self.session.scalars(
                select(Request)
                .where(Request.theme_id == theme_id, Request.withdrawn_at.is_(None))
                .order_by(Request.created_at, Request.id)
            )
        )

    def first_asked_at(self, theme_id: int) -> datetime | None:
        """When the theme's earliest request was logged, withdrawn or not: it was asked."""
        return self.session.scalar(
            select(Request.created_at)
            .where(Request.theme_id == theme_id)
            .order_by(Request.created_at)
            .limit(1)
        )

    def first_asked_by_theme(self, theme_ids: Sequence[int]) -> dict[int, datetime]:
        """:meth:`first_asked_at` of many themes, in one query."""
        if not theme_ids:
            return {}
        rows = self.session.execute(
            select(Request.theme_id, func.min(Request.created_at))
            .where(Request.theme_id.in_(sorted(set(theme_ids))))
            .group_by(Request.theme_id)
        )
        return {theme_id: first for theme_id, first in rows if theme_id is not None}

    def count_logged_between(self, since: datetime, until: datetime) -> int:
        """How many live (not withdrawn) requests were logged from ``since`` to ``until``."""
        return int(
            self.session.scalar(
                select(func.count(Request.id)).where(
                    Request.workspace_id == self.workspace_id,
                    Request.created_at >= since,
                    Request.created_at <= until,
                    Request.withdrawn_at.is_(None),
                )
            )
            or 0
        )

    def requesters_by_theme(self, theme_ids: Collection[int]) -> dict[int, dict[int, int]]:
        """Per theme: each person who asked in it and how many of its live requests are
        theirs."""
        counts: dict[int, dict[int, int]] = {theme_id: {} for theme_id in theme_ids}
        if not counts:
            return counts
        query = (
            select(Request.theme_id, Request.requester_id, func.count())
            .where(Request.theme_id.in_(list(counts)), Request.withdrawn_at.is_(None))
            .group_by(Request.theme_id, Request.requester_id)
        )
        for theme_id, requester_id, count in self.session.execute(query):
            if theme_id is not None:
                counts[theme_id][requester_id] = count
        return counts

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
        """Move requests to themes in bulk (after a re-clustering).

        One UPDATE per theme, not per request: each ORM UPDATE also re-evaluates its
        criteria against every object in the session, which made a re-grouping of a few
        hundred requests quadratic (seconds of CPU for the sample workspace).
        """
        by_theme: dict[int, list[int]] = {}
        for request_id, theme_id in theme_by_request.items():
            by_theme.setdefault(theme_id, []).append(request_id)
        for theme_id, request_ids in by_theme.items():
            for start in range(0, len(request_ids), _IDS_PER_STATEMENT):
                chunk = request_ids[start : start + _IDS_PER_STATEMENT]
                self.session.execute(
                    update(Request).where(Request.id.in_(chunk)).values(theme_id=theme_id)
                )
