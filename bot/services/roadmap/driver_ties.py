"""Which drivers a theme is tied to: a PM's ties (`/roadmap tie|untie`, made in
bot/services/roadmap/driver_admin.py), and ties suggested by meaning.

A suggestion is computed when the theme is scored, never stored: the theme's direction
(the mean of its requests' stored embeddings, as for objective alignment) against the
embedding of the driver's name and description, at a fixed threshold
(``ScoringConfig.driver_suggest_at``), so it depends on that theme and that driver only
and scores stay absolute. A PM's decision always wins: a tie holds whatever the
similarity, an untie keeps a suggestion away (stored with ``tied_by = "untied"``; who
untied it is in the audit log).

Only reads here: the ranking imports this module, and the PM's commands (which import
the admin use cases) live apart so the import graph has no cycle.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.services.themes.vectors import text_embedding
from scoring import ScoringConfig, ThemeFacts
from scoring.drivers import suggested
from storage.models import Driver
from storage.repositories.driver_results import UNTIED
from storage.unit_of_work import UnitOfWork


def driver_text(driver: Driver) -> str:
    """What a theme is compared with: the driver's name and description."""
    return f"{driver.name}. {driver.description}".strip()


def tied_drivers(
    uow: UnitOfWork,
    facts: Mapping[int, ThemeFacts],
    drivers: Mapping[int, Driver],
    config: ScoringConfig,
) -> dict[int, set[int]]:
    """Per theme, the drivers it is tied to: a PM's ties, and suggestions a PM did not
    remove (only with the semantic backend; the words backend suggests none)."""
    decided: dict[tuple[int, int], str] = {
        (row.theme_id, row.driver_id): row.tied_by for row in uow.driver_results.decisions()
    }
    ties: dict[int, set[int]] = {theme_id: set() for theme_id in facts}
    for (theme_id, driver_id), tied_by in decided.items():
        if theme_id in ties and driver_id in drivers and tied_by != UNTIED:
            ties[theme_id].add(driver_id)
    embedder = config.themes.embedder
    if embedder is None:
        return ties
    vectors = {
        driver_id: text_embedding(embedder, driver_text(driver))
        for driver_id, driver in drivers.items()
        if driver.active
    }
    for theme_id, theme_facts in facts.items():
        for driver_id, vector in vectors.items():
            if (theme_id, driver_id) not in decided and suggested(
                theme_facts.embedding, vector, config
            ):
                ties[theme_id].add(driver_id)
    return ties
