"""Prometheus metrics: request latency, job runs and failures, outbox and placement queues.

Counters and histograms live in this process. Under gunicorn each worker keeps its own
unless ``PROMETHEUS_MULTIPROC_DIR`` names a writable directory (set before start, shared
by the workers); then ``/metrics`` adds up every worker's figures. The outbox gauges are
read from the database at scrape time, so every replica reports the same queue.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy.exc import SQLAlchemyError

from bot.services.backlogs import QueueDepth, outbox_backlog, placement_backlog
from storage.db import SessionFactory
from storage.unit_of_work import UnitOfWork, unit_of_work

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "pulseboard_request_seconds",
    "Time to answer an HTTP request (Slack's deadline for an ack is 3 s).",
    ["kind", "status"],
    buckets=LATENCY_BUCKETS,
)
JOB_RUNS = Counter(
    "pulseboard_job_runs_total",
    "Scheduled job firings by outcome (ran, skipped: another replica held the lease, failed).",
    ["job", "outcome"],
)
DATABASE_ERRORS = Counter(
    "pulseboard_database_errors_total",
    "Slack requests answered with 'try again' because the database was unreachable.",
)


@dataclass(frozen=True)
class QueueGauges:
    """A queue's depth and the age of its oldest entry, as two gauges."""

    name: str
    what: str
    depth_of: Callable[[UnitOfWork], QueueDepth]


QUEUES = (
    QueueGauges("outbox", "outbox messages waiting to be sent", outbox_backlog),
    QueueGauges(
        "placement_queue", "logged requests waiting to be placed in a theme", placement_backlog
    ),
)


class QueueCollector(Collector):
    """Queue depths, read when scraped: pending outbox messages and requests waiting for
    placement, with the age of the oldest of each."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory

    def collect(self) -> Iterator[Metric]:
        for queue in QUEUES:
            try:
                with unit_of_work(self.session_factory) as uow:
                    backlog = queue.depth_of(uow)
            except SQLAlchemyError as error:
                logger.warning("%s metrics unavailable: %s", queue.name, type(error).__name__)
                continue
            depth = GaugeMetricFamily(f"pulseboard_{queue.name}_depth", f"How many {queue.what}.")
            depth.add_metric([], float(backlog.waiting))
            age = GaugeMetricFamily(
                f"pulseboard_{queue.name}_oldest_age_seconds",
                f"Age of the oldest of the {queue.what}.",
            )
            age.add_metric([], _age_seconds(backlog.oldest))
            yield depth
            yield age


def _age_seconds(oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - oldest).total_seconds())


def render(session_factory: SessionFactory | None) -> bytes:
    """The text exposition of every metric, for ``GET /metrics``."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry = _ProcessRegistry()
    if session_factory is not None:
        registry.register(QueueCollector(session_factory))
    return generate_latest(registry)


class _ProcessRegistry(CollectorRegistry):
    """This process's default metrics plus whatever is registered on it for one scrape."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
        yield from super().collect()
