"""The placement worker: drains the queue of requests waiting for a theme, and tells each
asker.

The ack of `/feedback` only stores the request (and its queue row); placing it needs the
theme index (embedding, TF-IDF and nearest neighbours) and answering needs a call to
Slack. Each serving process runs one worker in a daemon thread (:class:`PlacementThread`),
which embeds the next batch in a second thread while it places one (embedding runs in
onnxruntime, which releases the interpreter lock), and lets a burst of acks pass before
it claims a batch (:func:`settle`). It is woken after each
commit and also polls, so a row left by a replica that died is placed too; workers of
every replica share the queue (SKIP LOCKED).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from slack_sdk import WebClient

from bot.services.themes.placement import (
    Claimed,
    Placed,
    claim_pending,
    embed_claimed,
    place_claimed,
)
from bot.services.themes.similar import SimilarRequests
from bot.slack.placement_replies import PlacementReplies
from scoring import ScoringConfig
from storage.db import SessionFactory

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
#: A worker that dies loses its claim after this; it must outlast placing two batches
#: (a batch is claimed while the one before it is placed).
CLAIM_HOLD = timedelta(seconds=60)
POLL_SECONDS = 2.0
#: A gap this long between requests ends a burst. Steady traffic (5 requests a second is
#: a 0.2 s gap) is placed as it comes, its replies well under a second after the ack;
#: 20 clients firing at once leave gaps of a few milliseconds.
QUIET_SECONDS = 0.05
MAX_DEFER_SECONDS = 5.0


class PlacementWorker:
    """Places queued requests a batch at a time and answers each asker."""

    def __init__(
        self,
        session_factory: SessionFactory,
        client: WebClient,
        scoring: ScoringConfig | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.session_factory = session_factory
        self.similar = SimilarRequests(scoring)
        self.batch_size = batch_size
        self.replies = PlacementReplies(client)

    def drain(self, before_batch: Callable[[], None] = lambda: None) -> int:
        """Place until the queue is empty; how many were placed. ``before_batch`` runs
        before each batch is claimed (:meth:`run` lets a burst that began meanwhile pass
        there).

        Each batch is embedded in a second thread while the one before it is placed:
        the model runs in onnxruntime, off the interpreter lock, so the two share the
        cores instead of taking turns (a 2,000-request burst placed ~30% sooner).
        """
        total = 0
        in_hand: tuple[list[Claimed], Future[None]] | None = None
        with ThreadPoolExecutor(1, thread_name_prefix="pulseboard-embedding") as embedding:
            while True:
                before_batch()
                claimed = claim_pending(
                    self.session_factory, limit=self.batch_size, hold=CLAIM_HOLD
                )
                upcoming = None
                if claimed:
                    embedded = embedding.submit(
                        embed_claimed, self.session_factory, self.similar, claimed
                    )
                    upcoming = (claimed, embedded)
                if in_hand is not None:
                    batch, batch_embedded = in_hand
                    batch_embedded.result()
                    placed = place_claimed(self.session_factory, self.similar, batch)
                    for one in placed:
                        self.reply(one)
                    total += len(placed)
                if upcoming is None:
                    return total
                in_hand = upcoming

    def reply(self, placed: Placed) -> None:
        self.replies.send(placed)

    def run(self, stop: threading.Event, wake: threading.Event) -> None:
        """Drain, then sleep until woken (or ``POLL_SECONDS``), until ``stop`` is set.

        A burst can begin while the queue is being drained; then the worker lets it pass
        before its next batch, as it does before its first.
        """

        def let_a_burst_pass() -> None:
            if wake.is_set():
                settle(wake, stop)

        while not stop.is_set():
            try:
                self.drain(let_a_burst_pass)
            except Exception:
                logger.exception("placement drain failed; trying again shortly")
            if wake.wait(POLL_SECONDS):
                settle(wake, stop)


def settle(wake: threading.Event, stop: threading.Event) -> None:
    """Let a burst of requests pass before placing them: return once no request has come
    for ``QUIET_SECONDS``, or ``MAX_DEFER_SECONDS`` after the first.

    Placing competes with acking for the CPU and for SQLite's writer lock; in a burst the
    acks go first and the placements follow in one go, a moment later. The worker looks
    at ``wake`` between sleeps rather than waiting on it, so a burst does not wake it
    once per request.
    """
    deadline = time.monotonic() + MAX_DEFER_SECONDS
    wake.clear()
    while time.monotonic() < deadline:
        if stop.wait(QUIET_SECONDS) or not wake.is_set():
            return
        wake.clear()


class PlacementThread:
    """The worker in a daemon thread of this process, started at once."""

    def __init__(self, worker: PlacementWorker) -> None:
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(
            target=worker.run,
            args=(self._stop, self._wake),
            name="pulseboard-placement",
            daemon=True,
        )
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        """Let the batch in hand finish, then stop; unplaced rows wait in the queue."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
