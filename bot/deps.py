"""What listeners and jobs need from the outside world, handed over in one object."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import InitVar, dataclass, field

from bot.jobs.placement import PlacementRunner
from bot.settings import Settings
from scoring import ScoringConfig
from storage.db import SessionFactory, engine_of
from storage.intake import Intake, RequestIntake

logger = logging.getLogger(__name__)

AFTER_ACK_THREADS = 1
#: Pause before each follow-up, so that under a burst the listener threads (acks) get
#: the interpreter first; follow-ups then queue, acks do not.
AFTER_ACK_YIELD_SECONDS = 0.005


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: SessionFactory
    placements: PlacementRunner
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    after_ack_pool: ThreadPoolExecutor = field(init=False)
    #: The lean store for `/feedback` acks (storage/intake.py), in this process unless a
    #: server passes ``server_intake``, one through a process of its own
    #: (storage/intake_process.py).
    intake: Intake = field(init=False)
    server_intake: InitVar[Intake | None] = None

    def __post_init__(self, server_intake: Intake | None) -> None:
        pool = ThreadPoolExecutor(AFTER_ACK_THREADS, thread_name_prefix="pulseboard-after-ack")
        object.__setattr__(self, "after_ack_pool", pool)
        intake = server_intake or RequestIntake(engine_of(self.session_factory))
        object.__setattr__(self, "intake", intake)

    def after_ack(self, what: str, work: Callable[[], None]) -> None:
        """Run follow-up work (a permalink, a thread note) off the listener pool."""

        def run() -> None:
            time.sleep(AFTER_ACK_YIELD_SECONDS)
            try:
                work()
            except Exception:
                logger.exception("after-ack work failed: %s", what)

        self.after_ack_pool.submit(run)

    def placement_queued(self) -> None:
        """Call after committing a request queued for placement: wakes the worker."""
        self.placements.wake()

    def close(self) -> None:
        """On shutdown: drop follow-up work not yet started instead of holding the exit
        until it is done, and stop the placement worker (queued rows wait for the next)
        and the intake process."""
        self.after_ack_pool.shutdown(wait=False, cancel_futures=True)
        self.placements.close()
        self.intake.close()
