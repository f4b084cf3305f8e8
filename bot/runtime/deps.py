"""What listeners and jobs need from the outside world, handed over in one object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.runtime.settings import Settings
from scoring import ScoringConfig
from storage.db import SessionFactory


class RunningPlacementWorker(Protocol):
    """This process's placement worker (bot/jobs/placement.py), as listeners use it."""

    def wake(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: SessionFactory
    placements: RunningPlacementWorker
    scoring: ScoringConfig = field(default_factory=ScoringConfig)

    def placement_queued(self) -> None:
        """Call after committing a request queued for placement: wakes the worker."""
        self.placements.wake()

    def close(self) -> None:
        """On shutdown: stop the placement worker (queued rows wait for the next)."""
        self.placements.close()
