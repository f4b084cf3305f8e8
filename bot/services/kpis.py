"""Product KPIs: the success figures a platform PM is judged by, computed from the data.

Not to be confused with the Prometheus metrics of the running service (bot/runtime/metrics.py).
"""

from __future__ import annotations

from datetime import datetime

from bot.services.digest_views import ProductKpis
from bot.services.pulses.anonymity import DEFAULT_THRESHOLD, released
from bot.services.pulses.results import round_result
from bot.services.time_to_market import time_to_market
from storage.unit_of_work import UnitOfWork


def compute_kpis(
    uow: UnitOfWork,
    since: datetime,
    now: datetime,
    k: int = DEFAULT_THRESHOLD,
) -> ProductKpis:
    """Time-to-market of the themes shipped in the period (against the period before),
    activity this period, satisfaction.

    Satisfaction is the average answer of the latest closed pulse round (1–5), and is
    None when there is no round or its figures are withheld (fewer than ``k`` answers):
    nothing is shown rather than a made-up or revealing number.
    """
    market = time_to_market(uow, since, now)
    satisfaction, answers = latest_satisfaction(uow, now, k)
    return ProductKpis(
        time_to_market=market,
        requests_this_period=uow.requests.count_logged_between(since, now),
        themes_shipped_this_period=market.overall.shipped,
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
