"""What listeners and jobs need from the outside world, handed over in one object."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings
from storage.db import SessionFactory


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: SessionFactory
