"""Time-to-market, measured: per theme first ask → work started → shipped, and per period
the medians overall and per domain against the period before.

Work started is when the theme's first linked item was read in progress (or done, when it
was never seen in progress): ``theme_links.started_at``. A theme shipped without a linked
item has no start; it counts in the ask-to-ship median only.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.services.digest_views import TimeToMarket, TimeToMarketFigures
from bot.services.roadmap.ranking import asked_most_by, delivery_of
from bot.services.roadmap.views import Delivery
from storage.models import ThemeLink
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Shipped:
    delivery: Delivery
    domains: tuple[str, ...]


def time_to_market(uow: UnitOfWork, since: datetime, now: datetime) -> TimeToMarket:
    """Themes shipped in (since, now] against those shipped in the period as long before."""
    before = since - (now - since)
    themes = [
        t
        for t in uow.themes.shipped()
        if t.status_changed_at is not None and before < t.status_changed_at <= now
    ]
    links: dict[int, list[ThemeLink]] = {}
    for link in uow.links.of_themes(t.id for t in themes):
        links.setdefault(link.theme_id, []).append(link)
    domains = {d.id: d.name for d in uow.domains.list_all()}
    current: list[Shipped] = []
    previous: list[Shipped] = []
    for theme in themes:
        members = uow.requests.in_theme(theme.id)
        shipped = Shipped(
            delivery_of(theme, uow.requests.first_asked_at(theme.id), links.get(theme.id, [])),
            tuple(sorted(name for d, name in domains.items() if asked_most_by(members, d))),
        )
        assert theme.status_changed_at is not None
        (current if theme.status_changed_at > since else previous).append(shipped)
    names = sorted({name for s in current + previous for name in s.domains})
    return TimeToMarket(
        overall=figures(current, previous),
        by_domain=tuple(
            (
                name,
                figures(
                    [s for s in current if name in s.domains],
                    [s for s in previous if name in s.domains],
                ),
            )
            for name in names
        ),
    )


def figures(current: Sequence[Shipped], previous: Sequence[Shipped]) -> TimeToMarketFigures:
    to_start = [d for s in current if (d := s.delivery.days_to_start) is not None]
    return TimeToMarketFigures(
        shipped=len(current),
        median_days_to_ship=_median(s.delivery.days_to_ship for s in current),
        median_days_to_start=_median(to_start),
        median_days_in_work=_median(s.delivery.days_in_work for s in current),
        started_known=len(to_start),
        previous_shipped=len(previous),
        previous_median_days_to_ship=_median(s.delivery.days_to_ship for s in previous),
    )


def _median(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None
