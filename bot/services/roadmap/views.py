"""What roadmap screens show (a theme in full, objectives), for services and builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.followup_views import FollowupSummary
from bot.services.pulses.driver_views import Outcome
from scoring import ScoreComponent


@dataclass(frozen=True)
class RequestLine:
    id: int
    title: str
    domain: str | None
    created_at: datetime


@dataclass(frozen=True)
class ThemeDetails:
    theme_id: int
    label: str
    status: str
    top_terms: tuple[str, ...]
    requests: tuple[RequestLine, ...]
    entry: RoadmapEntry | None
    followup: FollowupSummary | None = None
    links: tuple[LinkView, ...] = ()
    outcome: Outcome | None = None


@dataclass(frozen=True)
class KpiDefinition:
    """The measured KPI of an objective: what is measured, in what unit, which way is
    better ("up": higher, "down": lower) and, optionally, the value aimed for."""

    name: str
    unit: str
    direction: str
    target: float | None = None


@dataclass(frozen=True)
class ObjectiveSummary:
    id: int
    name: str
    description: str
    weight: float
    keywords: tuple[str, ...]
    kpi: KpiDefinition | None = None


@dataclass(frozen=True)
class ObjectiveInput:
    name: str
    description: str
    weight: float
    keywords: tuple[str, ...]
    active: bool = True
    #: None: the objective has no measured KPI (a KPI it had is removed)
    kpi: KpiDefinition | None = None


#: Trackers by the name a person reads.
TRACKER_NAMES = {"github": "GitHub", "jira": "Jira", "linear": "Linear"}


@dataclass(frozen=True)
class LinkView:
    """A tracker item linked to a theme, with its state as last read (None: not yet)."""

    tracker: str
    item: str
    url: str
    state: str | None


def days_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start) / timedelta(days=1)


@dataclass(frozen=True)
class Delivery:
    """A theme's time to market: first ask → work started (its first linked item in
    progress) → shipped. None where it has not happened, or (the start) where no linked
    item tells: nothing is guessed."""

    first_asked_at: datetime | None
    work_started_at: datetime | None
    shipped_at: datetime | None

    @property
    def days_to_start(self) -> float | None:
        return days_between(self.first_asked_at, self.work_started_at)

    @property
    def days_in_work(self) -> float | None:
        return days_between(self.work_started_at, self.shipped_at)

    @property
    def days_to_ship(self) -> float | None:
        return days_between(self.first_asked_at, self.shipped_at)


@dataclass(frozen=True)
class RoadmapEntry:
    """One theme as the roadmap shows it; plain values, ready for any renderer."""

    theme_id: int
    position: int
    label: str
    status: str
    score: float
    why: str
    trend: str
    requesters: int
    voters: int
    domains: tuple[str, ...]
    objectives: tuple[tuple[str, str], ...]
    effort: str | None
    components: tuple[ScoreComponent, ...]
    #: Tracker items linked to the theme (`/roadmap link`), with their last known state.
    links: tuple[LinkView, ...] = ()
    delivery: Delivery | None = None
    #: keys of the drivers the theme is tied to (a PM's ties and suggestions)
    drivers: tuple[str, ...] = ()
    #: did it help? (shipped themes: bot/services/roadmap/outcomes.py)
    outcome: Outcome | None = None

    @property
    def backers(self) -> int:
        """People who back the theme: who asked, plus who gave +1 without asking (so one
        person counts once, and a +1 or its take-back moves this by one)."""
        return self.requesters + self.voters


@dataclass(frozen=True)
class AuditLine:
    """One change in the audit log, as an admin reads it: who, when, and what it did."""

    at: datetime
    actor: str
    summary: str


@dataclass(frozen=True)
class StatusProposal:
    """Linked items moved: the status their theme would follow to, put to a PM."""

    theme_id: int
    label: str
    status: str
    #: "GitHub acme/api#3", one per linked item
    items: tuple[str, ...]


@dataclass(frozen=True)
class ItemWontShip:
    """A linked item closed without being done (not planned, or a pull request closed
    unmerged): its theme will not ship from it."""

    theme_id: int
    label: str
    item: str
    url: str
    state: str
