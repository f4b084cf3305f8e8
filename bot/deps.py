"""What listeners and jobs need from the outside world, handed over in one object."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.services.similar import SimilarRequests
from bot.settings import Settings
from storage.db import SessionFactory


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: SessionFactory
    similar: SimilarRequests = field(default_factory=SimilarRequests)
