"""The queue of requests waiting to be placed in a theme (see PendingPlacement).

Placement workers of every replica drain it together: a claim is a conditional update
under a token of the worker's own, after picking candidates with SKIP LOCKED on
PostgreSQL (on SQLite, which serialises writers, the update alone decides). Unlike the
other repositories this one is not bound to a workspace: a worker serves them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_
from sqlalchemy.orm import Session

from storage.models import PendingPlacement, utcnow
from storage.repositories.base import Repository, affected_rows, claim_rows


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(PendingPlacement.claimed_until.is_(None), PendingPlacement.claimed_until <= now)


class PlacementQueue:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(
        self, workspace_id: str, request_id: int, reply_to: str, response_url: str | None
    ) -> None:
        """Queue a request for placement; queuing it twice (a Slack retry) is a no-op."""
        Repository(self.session, workspace_id).insert_unless_taken(
            PendingPlacement,
            {
                "workspace_id": workspace_id,
                "request_id": request_id,
                "reply_to": reply_to,
                "response_url": response_url,
                "enqueued_at": utcnow(),
            },
            (PendingPlacement.__table__.c.request_id,),
        )

    def claim(self, limit: int, now: datetime, hold: timedelta) -> list[PendingPlacement]:
        """Claim up to ``limit`` rows, oldest first, for ``hold``; others skip them."""
        return claim_rows(
            self.session,
            PendingPlacement,
            _claimable(now),
            (PendingPlacement.id,),
            limit,
            now + hold,
            uuid.uuid4().hex,
        )

    def finish(self, placement_ids: Sequence[int], claimed_by: str) -> int:
        """Remove placed rows still held under ``claimed_by``; how many were."""
        result = self.session.execute(
            delete(PendingPlacement).where(
                PendingPlacement.id.in_(placement_ids), PendingPlacement.claimed_by == claimed_by
            )
        )
        return affected_rows(result)
