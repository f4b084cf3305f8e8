"""What listeners and jobs need from the outside world, handed over in one object."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bot.services.similar import SimilarRequests
from bot.settings import Settings
from scoring import ScoringConfig
from storage.db import SessionFactory

logger = logging.getLogger(__name__)

AFTER_ACK_THREADS = 1
#: Pause before each follow-up, so that under a burst the listener threads (acks) get
#: the interpreter first; follow-ups then queue, acks do not.
AFTER_ACK_YIELD_SECONDS = 0.005


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: SessionFactory
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    similar: SimilarRequests = field(init=False)
    after_ack_pool: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "similar", SimilarRequests(self.scoring))
        pool = ThreadPoolExecutor(AFTER_ACK_THREADS, thread_name_prefix="pulseboard-after-ack")
        object.__setattr__(self, "after_ack_pool", pool)

    def after_ack(self, what: str, work: Callable[[], None]) -> None:
        """Run slow follow-up work (grouping, replies) off the listener pool.

        Listener threads then only ever store and ack, so a burst of requests is acked in
        milliseconds while their similarity searches and replies queue here.
        """

        def run() -> None:
            time.sleep(AFTER_ACK_YIELD_SECONDS)
            try:
                work()
            except Exception:
                logger.exception("after-ack work failed: %s", what)

        self.after_ack_pool.submit(run)

    def close(self) -> None:
        """On shutdown: drop follow-up work not yet started (its requests are stored; the
        next re-grouping places them), instead of holding the exit until it is done."""
        self.after_ack_pool.shutdown(wait=False, cancel_futures=True)
