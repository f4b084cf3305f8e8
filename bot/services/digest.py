"""The digest: what the weekly roadmap post says, as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from bot.services.digest_views import DigestView, StatusNews
from bot.services.followups import followup_summaries
from bot.services.kpis import compute_kpis
from bot.services.objective_kpis import objective_kpi_views
from bot.services.pulses.anonymity import DEFAULT_THRESHOLD
from bot.services.pulses.results import pulse_results
from bot.services.roadmap.outcomes import newly_measured
from bot.services.roadmap.ranking import build_roadmap, theme_ids_in_domain
from scoring import ScoringConfig
from storage.enums import ThemeStatus
from storage.unit_of_work import UnitOfWork

DEFAULT_PERIOD = timedelta(days=7)


def build_digest(
    uow: UnitOfWork,
    now: datetime,
    top: int = 10,
    since: datetime | None = None,
    config: ScoringConfig | None = None,
    previous_positions: Mapping[int, int] | None = None,
    title: str = "Platform roadmap",
    domain_id: int | None = None,
    pulse_threshold: int = DEFAULT_THRESHOLD,
) -> DigestView:
    """Everything the digest shows; ``since`` is the last digest (default a week ago)."""
    since = since or now - DEFAULT_PERIOD
    roadmap = build_roadmap(
        uow,
        now,
        config,
        previous_positions,
        domain_id,
        anonymity=pulse_threshold,
    )
    in_scope = theme_ids_in_domain(uow, domain_id) if domain_id else None
    themes = uow.themes
    shipped: list[StatusNews] = []
    planned: list[StatusNews] = []
    for change in themes.changes_since(since):
        if change.changed_at > now:
            continue
        theme = themes.resolve(change.theme_id)
        if theme is None or theme.status != change.to_status:
            continue
        if in_scope is not None and theme.id not in in_scope:
            continue
        news = StatusNews(theme.id, theme.label, change.note, change.changed_at)
        if change.to_status == ThemeStatus.SHIPPED:
            shipped.append(news)
        elif change.to_status == ThemeStatus.PLANNED:
            planned.append(news)
    answers = followup_summaries(uow, {n.theme_id for n in shipped}, now, pulse_threshold)
    shipped = [replace(n, followup=answers.get(n.theme_id)) for n in shipped]
    return DigestView(
        title=title,
        period_label=f"{since:%d %b} – {now:%d %b %Y}",
        since=since,
        entries=tuple(roadmap[:top]),
        total_themes=len(roadmap),
        shipped=tuple(shipped),
        planned=tuple(planned),
        kpis=compute_kpis(uow, since, now, pulse_threshold),
        helped=tuple(newly_measured(uow, since, now, pulse_threshold, config, in_scope)),
        generated_at=now,
        pulse=pulse_results(uow, pulse_threshold, now),
        objectives=objective_kpi_views(uow, since, now, roadmap, domain_id),
    )


def shown_theme_ids(view: DigestView) -> set[int]:
    """Every theme whose label the digest shows: the ranking, what shipped, what is planned."""
    return (
        {entry.theme_id for entry in view.entries}
        | {news.theme_id for news in view.shipped}
        | {news.theme_id for news in view.planned}
    )


def previous_positions(ranking: Mapping[str, object] | None) -> dict[int, int] | None:
    """Read a stored snapshot back (None when there was no earlier digest)."""
    if not ranking or "positions" not in ranking:
        return None
    positions = ranking["positions"]
    assert isinstance(positions, dict)
    return {int(theme_id): int(position) for theme_id, position in positions.items()}


def preview_digest(
    uow: UnitOfWork,
    now: datetime,
    *,
    channel: str | None,
    top: int,
    pulse_threshold: int,
    config: ScoringConfig,
) -> DigestView:
    """The digest as it would be posted now (`pulseboard digest --dry-run` and `--json`),
    with its trends against the last one posted to ``channel`` (if any)."""
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
