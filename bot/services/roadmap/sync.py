"""Polling the trackers: every linked item's state, read through its tracker's API.

For teams whose trackers cannot reach a webhook. Each linked (tracker, item) is read once
per run, however many workspaces link it, and a state that differs from the links' is
stored with :func:`record_item_state`. The readers (one per configured tracker) are HTTP
clients that live outside the use cases (bot/runtime/trackers); they answer a state of
``ITEM_STATES`` or raise one of the errors below, whose messages never hold a token.

A tracker that answers "rate limited" is asked nothing more in this run, and the moment it
may be asked again is kept in the ``leases`` table (a lease named after the tracker, held
until then): every replica, the scheduled job and `pulseboard sync` alike, sees it and
leaves the tracker alone until it passes. One tracker failing never stops the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.services.leases import take_lease
from bot.services.roadmap.following import FollowPolicy
from bot.services.roadmap.links import ITEM_STATES, Tracker, record_item_state
from bot.services.roadmap.views import TRACKER_NAMES
from storage.db import SessionFactory
from storage.unit_of_work import unit_of_work

logger = logging.getLogger(__name__)

#: A limit that lifts within this long is waited out in the run (once per item).
SHORT_WAIT = timedelta(seconds=3)
#: Who "holds" a rate-limited tracker's lease (the limit, not a replica).
RATE_LIMIT_HOLDER = "rate-limit"


class TrackerReadError(Exception):
    """Reading an item failed; the message says why, without the token."""


class ItemNotFoundError(TrackerReadError):
    """The tracker does not know the item, or the token may not see it."""


class TokenRefusedError(TrackerReadError):
    """The tracker refused the token (401/403): nothing more is asked of it in this run."""


class RateLimitedError(TrackerReadError):
    """The tracker asks to be left alone until ``until``."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class ItemReader(Protocol):
    """One tracker's API, as the sync sees it."""

    @property
    def tracker(self) -> Tracker: ...

    def read_state(self, item: str) -> str:
        """The item's state (one of ``ITEM_STATES``), or a :class:`TrackerReadError`."""
        ...


@dataclass
class TrackerSync:
    """What one run did with one tracker's items."""

    tracker: Tracker
    items: int = 0
    read: int = 0
    changed: int = 0
    unknown: int = 0
    skipped: int = 0
    errors: int = 0
    limited_until: datetime | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return TRACKER_NAMES[self.tracker]

    @property
    def failed(self) -> bool:
        """It had items and none could be read, for errors (a rate limit is no failure)."""
        return self.errors > 0 and self.read == 0 and self.unknown == 0

    def summary(self) -> str:
        text = (
            f"{self.name}: {self.read} read, {self.changed} changed, {self.unknown} unknown, "
            f"{self.errors} failed"
        )
        left = f"{self.skipped} item{'' if self.skipped == 1 else 's'}"
        if self.limited_until is not None:
            until = self.limited_until.strftime("%H:%M")
            text += f"; rate-limited until {until} UTC, {left} left for the next run"
        elif self.skipped:
            text += f"; {left} not asked"
        return text


@dataclass(frozen=True)
class SyncReport:
    trackers: tuple[TrackerSync, ...]

    @property
    def all_failed(self) -> bool:
        """Every tracker that had items failed (nothing to read is no failure)."""
        tried = [t for t in self.trackers if t.items]
        return bool(tried) and all(t.failed for t in tried)

    def lines(self) -> list[str]:
        return [line for t in self.trackers for line in (t.summary(), *t.notes)]


def rate_limit_lease(tracker: Tracker) -> str:
    return f"tracker_rate_limit:{tracker.value}"


def sync_linked_items(
    sessions: SessionFactory,
    readers: Iterable[ItemReader],
    clock: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
    *,
    policy: FollowPolicy,
) -> SyncReport:
    """Read every linked item of the given trackers and store the states that changed
    (their themes follow them as ``policy`` says).

    ``readers`` are the configured trackers' (a tracker without one is not polled). The
    database is touched in short units of work between the API calls, never across one.
    """
    with unit_of_work(sessions) as uow:
        linked = uow.link_states.linked_items()
    results = []
    for reader in readers:
        items = {item: states for (p, item), states in linked.items() if p == reader.tracker}
        try:
            results.append(_sync_tracker(sessions, reader, items, clock, sleep, policy))
        except Exception as error:  # a bug or the database: the next tracker still syncs
            logger.exception("tracker sync: %s stopped", TRACKER_NAMES[reader.tracker])
            stopped = TrackerSync(reader.tracker, items=len(items), errors=1)
            stopped.notes.append(f"{stopped.name}: stopped ({type(error).__name__}, see the log)")
            results.append(stopped)
    report = SyncReport(tuple(results))
    for line in report.lines():
        logger.info("tracker sync: %s", line)
    return report


def _sync_tracker(
    sessions: SessionFactory,
    reader: ItemReader,
    items: dict[str, frozenset[str | None]],
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    policy: FollowPolicy,
) -> TrackerSync:
    result = TrackerSync(reader.tracker, items=len(items))
    if not items:
        return result
    with unit_of_work(sessions) as uow:
        until = uow.leases.held_until(rate_limit_lease(reader.tracker))
    if until is not None and until > clock():
        result.limited_until, result.skipped = until, len(items)
        return result
    for index, (item, stored) in enumerate(items.items()):
        try:
            state = _read(reader, item, clock, sleep)
        except RateLimitedError as error:
            moment = clock()
            ttl = max(error.until - moment, timedelta(seconds=1))
            take_lease(sessions, rate_limit_lease(reader.tracker), RATE_LIMIT_HOLDER, moment, ttl)
            result.limited_until, result.skipped = error.until, len(items) - index
            return result
        except TokenRefusedError as error:
            result.errors += 1
            result.skipped = len(items) - index - 1
            result.notes.append(f"{result.name}: {error}")
            return result
        except ItemNotFoundError as error:
            result.unknown += 1
            result.notes.append(f"{result.name} {item}: {error}")
            continue
        except TrackerReadError as error:
            result.errors += 1
            result.notes.append(f"{result.name} {item}: {error}")
            continue
        result.read += 1
        if stored != {state}:
            with unit_of_work(sessions) as uow:
                record_item_state(uow, reader.tracker, item, state, policy=policy, now=clock())
            result.changed += 1
    return result


def _read(
    reader: ItemReader, item: str, clock: Callable[[], datetime], sleep: Callable[[float], None]
) -> str:
    """The item's state; a limit lifting within ``SHORT_WAIT`` is waited out once."""
    try:
        state = reader.read_state(item)
    except RateLimitedError as error:
        wait = error.until - clock()
        if wait > SHORT_WAIT:
            raise
        sleep(max(wait.total_seconds(), 0.0))
        state = reader.read_state(item)
    if state not in ITEM_STATES:
        raise TrackerReadError(f"answered an unknown state {state!r}")
    return state


def configured_names(readers: Sequence[ItemReader]) -> str:
    return ", ".join(TRACKER_NAMES[r.tracker] for r in readers)
