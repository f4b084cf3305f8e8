"""One theme in full: its requests, who asked from which domain, and its score breakdown."""

from __future__ import annotations

from datetime import datetime

from bot.services.followups import followup_summaries
from bot.services.pulses.anonymity import DEFAULT_THRESHOLD
from bot.services.roadmap.admin import live_theme_or_fail
from bot.services.roadmap.outcomes import outcomes
from bot.services.roadmap.ranking import build_roadmap, link_view
from bot.services.roadmap.views import RequestLine, ThemeDetails
from scoring import ScoringConfig
from storage.unit_of_work import UnitOfWork


def theme_details(
    uow: UnitOfWork,
    theme_id: int,
    now: datetime,
    config: ScoringConfig | None = None,
    anonymity: int = DEFAULT_THRESHOLD,
) -> ThemeDetails:
    theme = live_theme_or_fail(uow, theme_id)
    requests = uow.requests.in_theme(theme.id)
    roadmap = build_roadmap(uow, now, config, active_only=False, anonymity=anonymity)
    entry = next((e for e in roadmap if e.theme_id == theme.id), None)
    return ThemeDetails(
        theme_id=theme.id,
        label=theme.label,
        status=theme.status.value,
        top_terms=tuple(theme.top_terms),
        requests=tuple(
            RequestLine(r.id, r.title, r.domain.name if r.domain else None, r.created_at)
            for r in requests
        ),
        entry=entry,
        followup=followup_summaries(uow, {theme.id}, now, anonymity).get(theme.id),
        links=tuple(link_view(link) for link in uow.links.of_themes([theme.id])),
        outcome=outcomes(uow, {theme.id}, now, anonymity, config).get(theme.id),
    )
