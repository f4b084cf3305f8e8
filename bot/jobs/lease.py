"""Database leases: each firing of a scheduled job runs in one replica only.

Every replica runs the same scheduler. Before a job runs, its replica takes the job's
lease, a row in ``leases`` (name, holder, expires_at) that one replica wins
(bot/services/leases.py). The other replicas see the lease held and skip that firing.

A replica that dies while holding a lease loses it when ``expires_at`` passes. Jobs keep
their lease until it expires (``keep=True``), not only while they run, so a replica
whose clock is a little late does not run the same firing again after the first has
finished. The TTL must therefore outlast a job's run and the replicas' clock skew, and
stay shorter than the interval between two firings.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from bot.runtime.metrics import JOB_RUNS
from bot.services.leases import give_back_lease, take_lease
from storage.db import SessionFactory
from storage.models import utcnow

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def this_process() -> str:
    """A holder name that differs between replicas and between gunicorn workers."""
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire(
    session_factory: SessionFactory,
    name: str,
    ttl: timedelta,
    holder: str,
    clock: Clock = utcnow,
) -> bool:
    """Take ``name`` until now + ``ttl`` if it is free, expired or already ours."""
    return take_lease(session_factory, name, holder, clock(), ttl)


@contextmanager
def lease(
    session_factory: SessionFactory,
    name: str,
    ttl: timedelta,
    *,
    holder: str | None = None,
    keep: bool = False,
    clock: Clock = utcnow,
) -> Iterator[bool]:
    """``with lease(sessions, "digest", ttl) as held:`` run the block's work if ``held``.

    Released when the block ends unless ``keep`` (then it lasts until it expires).
    """
    who = holder or this_process()
    held = acquire(session_factory, name, ttl, who, clock)
    try:
        yield held
    finally:
        if held and not keep:
            give_back_lease(session_factory, name, who)


def run_once_with_lease(
    session_factory: SessionFactory,
    name: str,
    ttl: timedelta,
    job: Callable[[], Any],
    *,
    holder: str | None = None,
    clock: Clock = utcnow,
) -> bool:
    """Run ``job`` if this replica wins this firing's lease; True if it ran.

    One log line and one metric per firing: ran (with its duration), skipped or failed.
    A failure is logged and counted, not raised: the scheduler fires the job again later.
    """
    started = time.monotonic()
    try:
        with lease(session_factory, name, ttl, holder=holder, keep=True, clock=clock) as held:
            if not held:
                JOB_RUNS.labels(name, "skipped").inc()
                logger.info("job %s skipped: another replica holds it", name, extra=_job(name))
                return False
            job()
    except Exception as error:
        JOB_RUNS.labels(name, "failed").inc()
        logger.exception(
            "job %s failed: %s",
            name,
            type(error).__name__,
            extra=_job(name, "failed", started),
        )
        return False
    JOB_RUNS.labels(name, "ran").inc()
    logger.info("job %s ran", name, extra=_job(name, "ran", started))
    return True


def leased(
    session_factory: SessionFactory, name: str, ttl: timedelta, job: Callable[[], Any]
) -> Callable[[], bool]:
    """``job`` wrapped for the scheduler: each firing runs in one replica."""

    @functools.wraps(job)
    def run() -> bool:
        return run_once_with_lease(session_factory, name, ttl, job)

    return run


def _job(name: str, outcome: str = "skipped", started: float | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"job": name, "outcome": outcome}
    if started is not None:
        fields["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
    return fields


# Shorter than the most frequent job's interval (pulse checks, 5 minutes), longer than a
# firing's work and the replicas' clock skew.
JOB_LEASE_TTL = timedelta(minutes=4)
