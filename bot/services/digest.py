"""The digest: what the weekly roadmap post says, as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.services.roadmap import RoadmapEntry, build_roadmap
from scoring import ScoringConfig
from storage.enums import ThemeStatus
from storage.repositories import RequestRepository, ThemeRepository

DEFAULT_PERIOD = timedelta(days=7)


@dataclass(frozen=True)
class StatusNews:
    theme_id: int
    label: str
    note: str
    at: datetime


@dataclass(frozen=True)
class DigestView:
    title: str
    period_label: str
    entries: tuple[RoadmapEntry, ...]
    total_themes: int
    shipped: tuple[StatusNews, ...]
    planned: tuple[StatusNews, ...]
    requests_this_period: int
    generated_at: datetime


def period_label(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def build_digest(
    session: Session,
    workspace_id: str,
    now: datetime,
    top: int = 10,
    since: datetime | None = None,
    config: ScoringConfig | None = None,
    previous_positions: Mapping[int, int] | None = None,
    title: str = "Platform roadmap",
) -> DigestView:
    since = since or now - DEFAULT_PERIOD
    roadmap = build_roadmap(session, workspace_id, now, config, previous_positions)
    themes = ThemeRepository(session, workspace_id)
    shipped: list[StatusNews] = []
    planned: list[StatusNews] = []
    for change in themes.changes_since(since):
        if change.changed_at > now:
            continue
        theme = themes.resolve(change.theme_id)
        if theme is None or theme.status != change.to_status:
            continue
        news = StatusNews(theme.id, theme.label, change.note, change.changed_at)
        if change.to_status == ThemeStatus.SHIPPED:
            shipped.append(news)
        elif change.to_status == ThemeStatus.PLANNED:
            planned.append(news)
    recent = [
        r for r in RequestRepository(session, workspace_id).live() if since <= r.created_at <= now
    ]
    return DigestView(
        title=title,
        period_label=f"Week {period_label(now)} · {since:%d %b} – {now:%d %b %Y}",
        entries=tuple(roadmap[:top]),
        total_themes=len(roadmap),
        shipped=tuple(shipped),
        planned=tuple(planned),
        requests_this_period=len(recent),
        generated_at=now,
    )
