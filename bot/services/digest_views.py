"""What the digest says, as plain values, for services and Block Kit builders alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.followup_views import FollowupSummary
from bot.services.pulses.driver_views import Outcome
from bot.services.pulses.views import PulseResults
from bot.services.roadmap.views import KpiDefinition, RoadmapEntry


@dataclass(frozen=True)
class StatusNews:
    theme_id: int
    label: str
    note: str
    at: datetime
    followup: FollowupSummary | None = None
    #: did it help? (shown once its "after" round is out: bot/services/roadmap/outcomes.py)
    outcome: Outcome | None = None


@dataclass(frozen=True)
class DigestView:
    title: str
    period_label: str
    entries: tuple[RoadmapEntry, ...]
    total_themes: int
    shipped: tuple[StatusNews, ...]
    planned: tuple[StatusNews, ...]
    kpis: ProductKpis
    generated_at: datetime
    #: Shipped themes whose before/after became known this period.
    helped: tuple[StatusNews, ...] = ()
    pulse: PulseResults | None = None
    #: Where the period starts (the last digest), for dates shown in the reader's zone.
    since: datetime | None = None
    #: The objectives that have a measured KPI, with its latest value and its change.
    objectives: tuple[ObjectiveKpiView, ...] = ()

    def positions(self) -> dict[str, int]:
        """The ranking snapshot kept with a posted digest, for the next one's trend."""
        return {str(entry.theme_id): entry.position for entry in self.entries}


@dataclass(frozen=True)
class TimeToMarketFigures:
    """Themes shipped in a period: medians of their time to market, beside the period
    before. The start-based medians count only themes whose linked items dated the start."""

    shipped: int
    median_days_to_ship: float | None
    median_days_to_start: float | None
    median_days_in_work: float | None
    #: shipped themes with a dated start (a linked item in progress or done)
    started_known: int
    previous_shipped: int
    previous_median_days_to_ship: float | None

    @property
    def change_in_days(self) -> float | None:
        """Against the period before: negative is faster."""
        if self.median_days_to_ship is None or self.previous_median_days_to_ship is None:
            return None
        return self.median_days_to_ship - self.previous_median_days_to_ship


@dataclass(frozen=True)
class TimeToMarket:
    overall: TimeToMarketFigures
    #: per domain (the domain that asked for a theme most), by name
    by_domain: tuple[tuple[str, TimeToMarketFigures], ...] = ()


@dataclass(frozen=True)
class ProductKpis:
    time_to_market: TimeToMarket
    requests_this_period: int
    themes_shipped_this_period: int
    satisfaction: float | None
    satisfaction_answers: int


@dataclass(frozen=True)
class ObjectiveKpiView:
    """An objective's KPI over a period: its latest value, the value it had when the
    period started, and the roadmap's top themes that serve the objective."""

    objective: str
    kpi: KpiDefinition
    latest: float | None
    latest_at: datetime | None
    #: the last value measured at or before the period's start (None: none then)
    previous: float | None
    #: (theme id, label) of the best-ranked themes that serve the objective
    serving: tuple[tuple[int, str], ...] = ()
    period_start: datetime | None = None

    @property
    def measured_in_period(self) -> bool:
        """Whether a value arrived during the period (else the latest is an old one)."""
        if self.latest_at is None:
            return False
        return self.period_start is None or self.latest_at > self.period_start

    @property
    def change(self) -> float | None:
        if self.latest is None or self.previous is None:
            return None
        return self.latest - self.previous

    @property
    def verdict(self) -> str | None:
        """ "better", "worse" or "unchanged", read with the KPI's direction."""
        change = self.change
        if change is None:
            return None
        if change == 0:
            return "unchanged"
        rising = change > 0
        return "better" if rising == (self.kpi.direction == "up") else "worse"

    @property
    def to_target(self) -> float | None:
        """How far the latest value still is from the target, in the better direction
        (0 or less: the target is met); None without a target or a value."""
        if self.kpi.target is None or self.latest is None:
            return None
        if self.kpi.direction == "up":
            return self.kpi.target - self.latest
        return self.latest - self.kpi.target
