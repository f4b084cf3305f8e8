"""Placement workers: drain the queue of requests waiting for a theme, and tell each asker.

The ack of `/feedback` only stores the request (and its queue row); placing it needs the
theme index (TF-IDF and nearest neighbours, milliseconds of CPU) and answering needs a
call to Slack. Done in the process that acks, that work would compete with the acks for
the interpreter lock, and under a burst every ack would wait for it. So a server runs
its placement worker in a child process of its own, at a lower CPU priority
(:class:`PlacementProcess`); tests and embedded uses run the same loop in a thread
(:class:`PlacementThread`). Both are woken after each commit and also poll, so a row
left by a replica that died is placed too; a worker woken in the middle of a burst waits
for it to pass (up to a few seconds, :func:`settle`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.blocks.feedback import logged_reply
from bot.response_urls import ResponseUrls
from bot.services.placement import Placed, place_pending
from bot.services.similar import SimilarRequests
from bot.settings import Settings
from bot.slack_calls import send_safely
from scoring import ScoringConfig
from storage.db import SessionFactory

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
#: A worker that dies loses its claim after this; it must outlast placing one batch.
CLAIM_HOLD = timedelta(seconds=60)
POLL_SECONDS = 2.0
QUIET_SECONDS = 0.2
MAX_DEFER_SECONDS = 5.0
#: The worker's CPU priority below the server's (os.nice): under a burst the acks go first.
NICENESS = 10


class Waitable(Protocol):
    def set(self) -> None: ...
    def clear(self) -> None: ...
    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


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
        self.client = client
        self.similar = SimilarRequests(scoring)
        self.batch_size = batch_size
        self.response_urls = ResponseUrls.for_api(client.base_url)

    def drain(self, before_batch: Callable[[], None] = lambda: None) -> int:
        """Place until the queue is empty; how many were placed. ``before_batch`` runs
        before each batch (:meth:`run` lets a burst that began meanwhile pass there)."""
        total = 0
        while True:
            before_batch()
            placed = place_pending(
                self.session_factory, self.similar, limit=self.batch_size, hold=CLAIM_HOLD
            )
            for one in placed:
                self.reply(one)
            total += len(placed)
            if not placed:
                return total

    def reply(self, placed: Placed) -> None:
        """The answer that replaces "Logged as #N" with its theme and similar asks."""
        placement = placed.placement
        blocks = logged_reply(
            placed.request_id,
            placement.request_title,
            placement.theme_label,
            placement.suggestions,
        )
        text = f"Logged as #{placed.request_id}"
        if placed.response_url is None:
            send_safely(
                "confirmation DM",
                lambda: self.client.chat_postMessage(
                    channel=placed.reply_to, blocks=blocks, text=text
                ),
            )
            return
        webhook = self.response_urls.client(
            placed.response_url,
            retry_handlers=[RateLimitErrorRetryHandler(2), ServerErrorRetryHandler(2)],
        )
        if webhook is None:
            return
        send_safely(
            "ephemeral reply",
            lambda: webhook.send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=True
            ),
        )

    def run(self, stop: Waitable, wake: Waitable, alive: Callable[[], bool] = lambda: True) -> None:
        """Drain, then sleep until woken (or ``POLL_SECONDS``), until ``stop`` is set.

        A burst can begin while the queue is being drained; then the worker lets it pass
        before its next batch, as it does before its first.
        """

        def let_a_burst_pass() -> None:
            if wake.is_set():
                settle(wake, stop)

        while not stop.is_set() and alive():
            try:
                self.drain(let_a_burst_pass)
            except Exception:
                logger.exception("placement drain failed; trying again shortly")
            if wake.wait(POLL_SECONDS):
                settle(wake, stop)


def settle(wake: Waitable, stop: Waitable) -> None:
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


class PlacementRunner(Protocol):
    """What the listeners hold: wake the worker after committing a queued request."""

    def wake(self) -> None: ...
    def close(self) -> None: ...


class PlacementThread:
    """The worker in a daemon thread of this process (tests, embedded use)."""

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
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)


class PlacementProcess:
    """The worker in a child process, started with ``spawn`` (no threads cross a fork).

    The child opens its own engine and Web API client from ``settings``, runs at a lower
    CPU priority, ignores Ctrl-C (the parent stops it) and exits if the parent dies.
    """

    def __init__(self, settings: Settings) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._wake = context.Event()
        self._running = context.Event()
        self._process = context.Process(
            target=_run_in_child,
            args=(settings, self._stop, self._wake, self._running, os.getpid()),
            name="pulseboard-placement",
            daemon=True,
        )

    def start(self) -> PlacementProcess:
        self._process.start()
        logger.info("placement worker started (pid %s)", self._process.pid)
        return self

    def wake(self) -> None:
        if not self._wake.is_set():  # set() wakes the worker's waits every time
            self._wake.set()

    def close(self) -> None:
        """Let the batch in hand finish, then stop; unplaced rows wait in the queue.

        A worker still starting (importing its libraries) has nothing in hand: it is
        stopped at once rather than waited for.
        """
        self._stop.set()
        self._wake.set()
        if self._process.is_alive() and not self._running.is_set():
            self._process.terminate()
        self._process.join(timeout=CLAIM_HOLD.total_seconds() / 2)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)

    def waker(self) -> WakeOnly:
        """A handle for forked server workers: they wake this process, never stop it."""
        return WakeOnly(self._wake)


class WakeOnly:
    def __init__(self, wake: Waitable) -> None:
        self._wake = wake

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        pass


def _run_in_child(
    settings: Settings, stop: Waitable, wake: Waitable, running: Waitable, parent_pid: int
) -> None:
    from bot.app import make_client
    from bot.database import open_database
    from bot.logs import setup_logging
    from bot.services.scoring_config import scoring_config

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(NICENESS)
    setup_logging(settings.log_level, settings.log_format)
    engine, session_factory = open_database(settings.database_url, upgrade_sqlite=False)
    worker = PlacementWorker(session_factory, make_client(settings), scoring_config(settings))
    running.set()
    try:
        worker.run(stop, wake, alive=lambda: os.getppid() == parent_pid)
    finally:
        engine.dispose()
