"""The success metrics a platform PM is judged by, computed from the data."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.pulses.anonymity import DEFAULT_THRESHOLD, released
from bot.services.pulses.results import round_result
from storage.enums import ThemeStatus
from storage.models import Request, Theme
from storage.repositories import PulseRepository


@dataclass(frozen=True)
class Metrics:
    median_days_to_ship: float | None
    shipped_measured: int
    requests_this_period: int
    themes_shipped_this_period: int
    satisfaction: float | None
    satisfaction_answers: int


def compute_metrics(
    session: Session,
    workspace_id: str,
    since: datetime,
    now: datetime,
    k: int = DEFAULT_THRESHOLD,
) -> Metrics:
    """Time-to-market (first request → shipped), activity this period, satisfaction.

    Satisfaction is the average answer of the latest closed pulse round (1–5), and is
    None when there is no round or its figures are withheld (fewer than ``k`` answers):
    nothing is shown rather than a made-up or revealing number.
    """
    shipped = session.scalars(
        select(Theme).where(
            Theme.workspace_id == workspace_id,
            Theme.status == ThemeStatus.SHIPPED,
            Theme.status_changed_at.is_not(None),
            Theme.merged_into_id.is_(None),
        )
    ).all()
    durations: list[float] = []
    shipped_this_period = 0
    for theme in shipped:
        assert theme.status_changed_at is not None
        if since <= theme.status_changed_at <= now:
            shipped_this_period += 1
        first = session.scalar(
            select(Request.created_at)
            .where(Request.theme_id == theme.id)
            .order_by(Request.created_at)
            .limit(1)
        )
        if first is not None and first <= theme.status_changed_at:
            durations.append((theme.status_changed_at - first) / timedelta(days=1))
    requests = session.scalars(
        select(Request.id).where(
            Request.workspace_id == workspace_id,
            Request.created_at >= since,
            Request.created_at <= now,
            Request.withdrawn_at.is_(None),
        )
    ).all()
    satisfaction, answers = latest_satisfaction(session, workspace_id, now, k)
    return Metrics(
        median_days_to_ship=statistics.median(durations) if durations else None,
        shipped_measured=len(durations),
        requests_this_period=len(requests),
        themes_shipped_this_period=shipped_this_period,
        satisfaction=satisfaction,
        satisfaction_answers=answers,
    )


def latest_satisfaction(
    session: Session, workspace_id: str, now: datetime, k: int
) -> tuple[float | None, int]:
    """(average, answers) of the latest released round, as the anonymity rules allow."""
    rounds = [
        r
        for r in PulseRepository(session, workspace_id).rounds()
        if r.started_at <= now and released(r.closed_at, r.closes_at, now)
    ]
    if not rounds:
        return None, 0
    figures = round_result(session, workspace_id, rounds[-1], k, now).figures
    average = figures.whole.average if figures.whole is not None else None
    return average, figures.answered
