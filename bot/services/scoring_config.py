"""The scoring model the settings ask for, built once at start."""

from __future__ import annotations

from dataclasses import replace

from bot.runtime.settings import Settings
from bot.services.themes.embedder import configured_model, theme_config
from scoring import ScoringConfig


def scoring_config(settings: Settings) -> ScoringConfig:
    """Framework and theme backend from the settings.

    Built at start so that a semantic backend that cannot run (a package missing, a model
    file whose sha256 is wrong) stops the app with a clear message instead of failing on
    the first request.
    """
    base = ScoringConfig(framework=settings.scoring_framework)
    model = None
    if settings.theme_backend == "semantic":
        model = configured_model(settings.embedding_model, settings.embedding_model_sha256)
    return replace(base, themes=theme_config(settings.theme_backend, base.themes, model))
