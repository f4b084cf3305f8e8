"""What listeners and jobs need from the outside world, handed over in one object."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.services.similar import SimilarRequests
from bot.settings import Settings
from scoring import ScoringConfig
from storage.db import SessionFactory


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: SessionFactory
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    similar: SimilarRequests = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "similar", SimilarRequests(self.scoring))
