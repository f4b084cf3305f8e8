"""How much work waits in each queue, for monitoring (the Prometheus gauges).

Not bound to a workspace: the outbox sender and the placement workers serve them all, so
their backlog is the deployment's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.enums import OutboxStatus
from storage.models import OutboxMessage, PendingPlacement


@dataclass(frozen=True)
class QueueDepth:
    waiting: int
    oldest: datetime | None


class QueueDepths:
    def __init__(self, session: Session) -> None:
        self.session = session

    def outbox(self) -> QueueDepth:
        """Messages not sent yet (due or not), and when the oldest of them was queued."""
        count, oldest = self.session.execute(
            select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status == OutboxStatus.PENDING
            )
        ).one()
        return QueueDepth(int(count or 0), oldest)

    def placements(self) -> QueueDepth:
        """Logged requests not placed in a theme yet, and when the oldest was queued."""
        count, oldest = self.session.execute(
            select(func.count(PendingPlacement.id), func.min(PendingPlacement.enqueued_at))
        ).one()
        return QueueDepth(int(count or 0), oldest)
