"""What the listeners of this process share, the placement worker's thread included.

Built here, above the Slack adapter, because starting the worker is the jobs' business:
the listeners only see :class:`~bot.runtime.deps.Deps`.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.jobs.placement import PlacementThread, PlacementWorker
from bot.runtime.deps import Deps
from bot.runtime.settings import Settings
from bot.services.scoring_config import scoring_config
from storage.db import SessionFactory


def make_deps(settings: Settings, session_factory: SessionFactory, client: WebClient) -> Deps:
    """The listeners' Deps, with the placement worker started in a thread of this process;
    whoever makes them calls ``close()`` on shutdown."""
    scoring = scoring_config(settings)
    return Deps(
        settings=settings,
        session_factory=session_factory,
        placements=PlacementThread(PlacementWorker(session_factory, client, scoring)),
        scoring=scoring,
    )
