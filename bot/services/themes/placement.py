"""Placing queued requests in themes, a batch at a time, off the ack path.

`/feedback` and the request form store the request and a ``PendingPlacement`` in one
transaction and answer at once; a placement worker (bot/jobs/placement.py) then calls
:func:`place_pending`. A batch is claimed in one short transaction and placed in
others, each of which also removes its request's queue row: a request is placed once,
and a worker that dies mid-batch leaves the rest of its claim to expire for another.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.services.themes.similar import Placement, SimilarRequests
from bot.services.themes.vectors import embed_requests
from storage.db import SessionFactory
from storage.models import utcnow
from storage.unit_of_work import UnitOfWork, unit_of_work

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    queue_id: int
    workspace_id: str
    request_id: int
    reply_to: str
    response_url: str | None
    claimed_by: str


@dataclass(frozen=True)
class Placed:
    """A placed request and whom to tell (through ``response_url`` if set, else a DM)."""

    request_id: int
    reply_to: str
    response_url: str | None
    placement: Placement


def place_pending(
    session_factory: SessionFactory, similar: SimilarRequests, *, limit: int, hold: timedelta
) -> list[Placed]:
    """Claim and place up to ``limit`` queued requests; what was placed, in queue order.

    Each request is placed in a transaction of its own that also removes its queue row:
    placing reads and computes first and writes last, so the transaction holds a write
    lock (all of SQLite's, under a burst of acks) only for its final instant. One that
    fails is logged and dropped from the queue; the next re-grouping places it.
    """
    with unit_of_work(session_factory) as uow:
        claimed = [
            Claimed(
                row.id,
                row.workspace_id,
                row.request_id,
                row.reply_to,
                row.response_url,
                row.claimed_by or "",
            )
            for row in uow.placements.claim(limit, utcnow(), hold)
        ]
    vectorise_claimed(session_factory, similar, claimed)
    placed: list[Placed] = []
    for one in claimed:
        try:
            with unit_of_work(session_factory, one.workspace_id) as uow:
                placement = _place_one(uow, similar, one)
        except Exception:
            logger.exception("could not place request %d; re-grouping will", one.request_id)
            with unit_of_work(session_factory) as uow:
                uow.placements.finish([one.queue_id], one.claimed_by)
            continue
        if placement is not None:
            placed.append(Placed(one.request_id, one.reply_to, one.response_url, placement))
    return placed


def vectorise_claimed(
    session_factory: SessionFactory, similar: SimilarRequests, claimed: Sequence[Claimed]
) -> None:
    """Embed the claimed requests in one batch per workspace and store their vectors,
    then vectorise them for the theme index in one call (``SimilarRequests.prepare``), so
    that placing each one reads its vectors instead of computing them alone. Best effort:
    what fails here is done when the request is placed."""
    embedder = similar.config.themes.embedder
    by_workspace: dict[str, list[int]] = defaultdict(list)
    for one in claimed:
        by_workspace[one.workspace_id].append(one.request_id)
    for workspace_id, request_ids in by_workspace.items():
        try:
            if embedder is not None:
                with unit_of_work(session_factory, workspace_id) as uow:
                    embed_requests(uow, embedder, request_ids)
            with unit_of_work(session_factory, workspace_id) as uow:
                similar.prepare(uow, request_ids)
        except Exception:
            logger.exception("could not vectorise a batch of %d requests", len(request_ids))


def _place_one(uow: UnitOfWork, similar: SimilarRequests, claimed: Claimed) -> Placement | None:
    try:
        placement = similar.place(uow, claimed.request_id)
    except LookupError:
        placement = None  # withdrawn or deleted since it was queued
    uow.placements.finish([claimed.queue_id], claimed.claimed_by)
    return placement
