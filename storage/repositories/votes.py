from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from storage.models import Request, Vote, utcnow
from storage.repositories.base import Repository


class VoteRepository(Repository):
    def find(
        self, user_id: int, *, theme_id: int | None = None, request_id: int | None = None
    ) -> Vote | None:
        query = select(Vote).where(Vote.user_id == user_id)
        if theme_id is not None:
            query = query.where(Vote.theme_id == theme_id)
        else:
            query = query.where(Vote.request_id == request_id)
        return self.session.scalar(query)

    def add_once(
        self,
        user_id: int,
        *,
        theme_id: int | None = None,
        request_id: int | None = None,
        at: datetime | None = None,
    ) -> tuple[Vote, bool]:
        """Record a +1 unless this user already gave one to this target."""
        if (theme_id is None) == (request_id is None):
            raise ValueError("a vote targets exactly one of a theme or a request")
        vote = Vote(
            workspace_id=self.workspace_id,
            user_id=user_id,
            theme_id=theme_id,
            request_id=request_id,
            created_at=at or utcnow(),
        )
        return self.insert_once(
            vote, lambda: self.find(user_id, theme_id=theme_id, request_id=request_id)
        )

    def add_all_once(self, votes: Sequence[tuple[int, int, datetime]]) -> int:
        """Record +1s on requests, ``(user_id, request_id, at)`` each, unless given before
        (in the database or earlier in ``votes``): how many were new. One bulk insert."""
        unique: dict[tuple[int, int], datetime] = {}
        for user_id, request_id, at in votes:
            unique.setdefault((user_id, request_id), at)
        rows = [
            {
                "workspace_id": self.workspace_id,
                "user_id": user_id,
                "request_id": request_id,
                "theme_id": None,
                "created_at": at,
            }
            for (user_id, request_id), at in unique.items()
        ]
        table = Vote.__table__
        return self.insert_all_unless_taken(Vote, rows, (table.c.request_id, table.c.user_id))

    def remove(self, vote: Vote) -> None:
        self.session.delete(vote)
        self.session.flush()

    def list_all(self) -> list[Vote]:
        """Every vote in the workspace, on a theme or on a request."""
        return self.rows_of(Vote)

    def by_theme(self) -> dict[int, list[Vote]]:
        """Votes per theme, counting a vote on a request as a vote on its theme."""
        grouped: dict[int, list[Vote]] = defaultdict(list)
        for vote in self.rows_of(Vote, Vote.theme_id.is_not(None)):
            assert vote.theme_id is not None
            grouped[vote.theme_id].append(vote)
        via_request = self.session.execute(
            select(Vote, Request.theme_id)
            .join(Request, Vote.request_id == Request.id)
            .where(Vote.workspace_id == self.workspace_id, Request.theme_id.is_not(None))
        )
        for vote, theme_id in via_request:
            assert theme_id is not None
            grouped[theme_id].append(vote)
        return dict(grouped)

    def on_theme(self, theme_id: int) -> list[Vote]:
        return list(self.session.scalars(select(Vote).where(Vote.theme_id == theme_id)))

    def voter_ids(self, theme_id: int) -> set[int]:
        """Who backs the theme: direct votes and votes on its requests."""
        direct = select(Vote.user_id).where(Vote.theme_id == theme_id)
        via_request = (
            select(Vote.user_id)
            .join(Request, Vote.request_id == Request.id)
            .where(Request.theme_id == theme_id)
        )
        return set(self.session.scalars(direct)) | set(self.session.scalars(via_request))

    def theme_ids_voted_by(self, user_id: int) -> list[int]:
        return list(
            self.session.scalars(
                select(Vote.theme_id).where(Vote.user_id == user_id, Vote.theme_id.is_not(None))
            )
        )
