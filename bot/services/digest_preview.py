"""The digest as it would be posted now: `pulseboard digest --dry-run` and `--json`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.digest import build_digest, previous_positions
from bot.services.digest_views import DigestView
from scoring import ScoringConfig
from storage.repositories import DigestRunRepository


def preview_digest(
    session: Session,
    workspace_id: str,
    now: datetime,
    *,
    channel: str | None,
    top: int,
    pulse_threshold: int,
    config: ScoringConfig,
) -> DigestView:
    """The digest with its trends against the last one posted to ``channel`` (if any)."""
    last = DigestRunRepository(session, workspace_id).latest(channel) if channel else None
    return build_digest(
        session,
        workspace_id,
        now,
        top=top,
        since=last.started_at if last else None,
        previous_positions=previous_positions(last.ranking) if last else None,
        pulse_threshold=pulse_threshold,
        config=config,
    )
