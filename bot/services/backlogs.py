"""How much work waits in the background queues, as the Prometheus gauges report it
(bot/runtime/metrics.py): pending outbox messages and requests waiting for a theme."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.repositories.queue_depths import QueueDepth, QueueDepths

__all__ = ["QueueDepth", "outbox_backlog", "placement_backlog"]


def outbox_backlog(session: Session) -> QueueDepth:
    return QueueDepths(session).outbox()


def placement_backlog(session: Session) -> QueueDepth:
    return QueueDepths(session).placements()
