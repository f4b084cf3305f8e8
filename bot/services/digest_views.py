"""What the digest says, as plain values, for services and Block Kit builders alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.followup_views import FollowupSummary
from bot.services.pulses.views import PulseResults
from bot.services.roadmap.views import RoadmapEntry


@dataclass(frozen=True)
class StatusNews:
    theme_id: int
    label: str
    note: str
    at: datetime
    followup: FollowupSummary | None = None


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
    pulse: PulseResults | None = None
    #: Where the period starts (the last digest), for dates shown in the reader's zone.
    since: datetime | None = None

    @property
    def requests_this_period(self) -> int:
        return self.kpis.requests_this_period

    def positions(self) -> dict[str, int]:
        """The ranking snapshot kept with a posted digest, for the next one's trend."""
        return {str(entry.theme_id): entry.position for entry in self.entries}


@dataclass(frozen=True)
class ProductKpis:
    median_days_to_ship: float | None
    shipped_measured: int
    requests_this_period: int
    themes_shipped_this_period: int
    satisfaction: float | None
    satisfaction_answers: int
