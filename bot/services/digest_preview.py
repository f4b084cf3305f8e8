"""The digest as it would be posted now: `pulseboard digest --dry-run` and `--json`."""

from __future__ import annotations

from datetime import datetime

from bot.services.digest import build_digest, previous_positions
from bot.services.digest_views import DigestView
from scoring import ScoringConfig
from storage.unit_of_work import UnitOfWork


def preview_digest(
    uow: UnitOfWork,
    now: datetime,
    *,
    channel: str | None,
    top: int,
    pulse_threshold: int,
    config: ScoringConfig,
) -> DigestView:
    """The digest with its trends against the last one posted to ``channel`` (if any)."""
    last = uow.digests.latest(channel) if channel else None
    return build_digest(
        uow,
        now,
        top=top,
        since=last.started_at if last else None,
        previous_positions=previous_positions(last.ranking) if last else None,
        pulse_threshold=pulse_threshold,
        config=config,
    )
