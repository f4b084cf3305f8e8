"""How much work waits in the background queues, as the Prometheus gauges report it
(bot/runtime/metrics.py): pending outbox messages and requests waiting for a theme."""

from __future__ import annotations

from storage.repositories.queue_depths import QueueDepth
from storage.unit_of_work import UnitOfWork

__all__ = ["QueueDepth", "outbox_backlog", "placement_backlog"]


def outbox_backlog(uow: UnitOfWork) -> QueueDepth:
    return uow.queue_depths.outbox()


def placement_backlog(uow: UnitOfWork) -> QueueDepth:
    return uow.queue_depths.placements()
