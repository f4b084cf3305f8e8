"""Product KPIs: the success figures a platform PM is judged by, computed from the data.

Not to be confused with the Prometheus metrics of the running service (bot/runtime/metrics.py).
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from bot.services.digest_views import ProductKpis
from bot.services.pulses.anonymity import DEFAULT_THRESHOLD, released
from bot.services.pulses.results import round_result
from storage.unit_of_work import UnitOfWork


def compute_kpis(
    uow: UnitOfWork,
    since: datetime,
    now: datetime,
    k: int = DEFAULT_THRESHOLD,
) -> ProductKpis:
    """Time-to-market (first request → shipped), activity this period, satisfaction.

    Satisfaction is the average answer of the latest closed pulse round (1–5), and is
    None when there is no round or its figures are withheld (fewer than ``k`` answers):
    nothing is shown rather than a made-up or revealing number.
    """
    requests = uow.requests
    durations: list[float] = []
    shipped_this_period = 0
    for theme in uow.themes.shipped():
        assert theme.status_changed_at is not None
        if since <= theme.status_changed_at <= now:
            shipped_this_period += 1
        first = requests.first_asked_at(theme.id)
        if first is not None and first <= theme.status_changed_at:
            durations.append((theme.status_changed_at - first) / timedelta(days=1))
    satisfaction, answers = latest_satisfaction(uow, now, k)
    return ProductKpis(
        median_days_to_ship=statistics.median(durations) if durations else None,
        shipped_measured=len(durations),
        requests_this_period=requests.count_logged_between(since, now),
        themes_shipped_this_period=shipped_this_period,
        satisfaction=satisfaction,
        satisfaction_answers=answers,
    )


def latest_satisfaction(uow: UnitOfWork, now: datetime, k: int) -> tuple[float | None, int]:
    """(average, answers) of the latest released round, as the anonymity rules allow."""
    rounds = [
        r
        for r in uow.pulses.rounds()
        if r.started_at <= now and released(r.closed_at, r.closes_at, now)
    ]
    if not rounds:
        return None, 0
    figures = round_result(uow, rounds[-1], k, now).figures
    average = figures.whole.average if figures.whole is not None else None
    return average, figures.answered
