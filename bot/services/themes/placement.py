"""Placing queued requests in themes, a batch at a time, off the ack path.

`/feedback` and the request form store the request and a ``PendingPlacement`` in one
transaction and answer at once; a placement worker (bot/jobs/placement.py) then
claims a batch in one short transaction (:func:`claim_pending`), embeds it
(:func:`embed_claimed`) and places it (:func:`place_claimed`) in another that also
removes its queue rows: a request is placed once, and a worker that dies mid-batch
leaves its claim to expire for another.
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


def claim_pending(session_factory: SessionFactory, *, limit: int, hold: timedelta) -> list[Claimed]:
    """Claim up to ``limit`` queued requests for ``hold`` (exactly once across replicas)."""
    with unit_of_work(session_factory) as uow:
        return [
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


def embed_claimed(
    session_factory: SessionFactory, similar: SimilarRequests, claimed: Sequence[Claimed]
) -> None:
    """Embed the claimed requests in one batch per workspace and store their vectors
    (batched, the model embeds several times faster than one at a time). Best effort:
    what fails here is embedded when the request is placed."""
    embedder = similar.config.themes.embedder
    if embedder is None:
        return
    for workspace_id, rows in _by_workspace(claimed).items():
        try:
            with unit_of_work(session_factory, workspace_id) as uow:
                embed_requests(uow, embedder, [row.request_id for row in rows])
        except Exception:
            logger.exception("could not embed a batch of %d requests", len(rows))


def place_claimed(
    session_factory: SessionFactory, similar: SimilarRequests, claimed: Sequence[Claimed]
) -> list[Placed]:
    """Place the claimed requests; what was placed.

    A workspace's requests are placed together, in one transaction that also removes
    their queue rows (``SimilarRequests.place_batch`` writes last, so it holds a write
    lock, all of SQLite's, only at its end). If that fails, they are placed one by one; a
    request that still fails is logged and dropped from the queue, and the next
    re-grouping places it.
    """
    placed: list[Placed] = []
    for workspace_id, rows in _by_workspace(claimed).items():
        placed += _place_workspace(session_factory, similar, workspace_id, rows)
    return placed


def _by_workspace(claimed: Sequence[Claimed]) -> dict[str, list[Claimed]]:
    by_workspace: dict[str, list[Claimed]] = defaultdict(list)
    for one in claimed:
        by_workspace[one.workspace_id].append(one)
    return by_workspace


def _place_workspace(
    session_factory: SessionFactory,
    similar: SimilarRequests,
    workspace_id: str,
    rows: Sequence[Claimed],
) -> list[Placed]:
    by_request = {row.request_id: row for row in rows}
    waiting = sorted(by_request)
    one_at_a_time = False
    placed: list[Placed] = []
    while waiting:
        batch = waiting[:1] if one_at_a_time else waiting
        try:
            with unit_of_work(session_factory, workspace_id) as uow:
                placements, left = similar.place_batch(uow, batch)
                done = set(batch) - set(left)
                _finish(uow, [by_request[request_id] for request_id in sorted(done)])
        except Exception:
            if len(batch) > 1:
                logger.warning(
                    "a batch of %d failed; placing one by one", len(batch), exc_info=True
                )
                one_at_a_time = True
                continue
            logger.exception("could not place request %d; re-grouping will", batch[0])
            with unit_of_work(session_factory) as uow:
                _finish(uow, [by_request[batch[0]]])
            placements, done = {}, {batch[0]}
        for request_id in sorted(done):
            if request_id in placements:
                row = by_request[request_id]
                placement = placements[request_id]
                placed.append(Placed(request_id, row.reply_to, row.response_url, placement))
        waiting = [request_id for request_id in waiting if request_id not in done]
    return placed


def _finish(uow: UnitOfWork, rows: Sequence[Claimed]) -> None:
    """Remove these rows of one claim from the queue."""
    uow.placements.finish([row.queue_id for row in rows], rows[0].claimed_by)
