"""What pulse results and answers look like, for services and Block Kit builders alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.services.driver_views import DriverQuestion


@dataclass(frozen=True)
class Figures:
    """What may be shown about one group (or the whole): None means withheld."""

    answers: int
    asked: int
    average: float | None
    distribution: tuple[int, ...] | None  # answers per score 1..5
    enps: float | None
    enps_answers: int

    @property
    def participation(self) -> float | None:
        return self.answers / self.asked if self.asked else None


@dataclass(frozen=True)
class RoundFigures:
    whole: Figures | None  # None: fewer answers than the threshold
    groups: Mapping[str, Figures]  # only the groups that may be shown
    withheld_groups: int  # groups with answers whose figures are withheld
    asked: int
    answered: int

    def average(self, group: str | None = None) -> float | None:
        """The average score of the whole (or a group), when it shows."""
        figures = self.whole if group is None else self.groups.get(group)
        return figures.average if figures else None


@dataclass(frozen=True)
class RoundResult:
    round_id: int
    question: str
    started_at: datetime
    closes_at: datetime
    open: bool
    figures: RoundFigures


@dataclass(frozen=True)
class TrendPoint:
    """One round on the trend chart; satisfaction None when withheld."""

    label: str
    satisfaction: float | None
    participation: float | None


@dataclass(frozen=True)
class PulseResults:
    current: RoundResult
    previous: RoundResult | None
    comments: tuple[str, ...]
    history: tuple[TrendPoint, ...]
    threshold: int

    def delta(self, group: str | None = None) -> float | None:
        """Average score now minus the previous round (whole or a group), when both show."""
        if self.previous is None:
            return None
        now = self.current.figures.average(group)
        before = self.previous.figures.average(group)
        return None if now is None or before is None else now - before


@dataclass(frozen=True)
class AnswerView:
    """What the thank-you message shows back to the person who answered."""

    round_id: int
    question: str
    score: int
    enps: int | None
    comment: str | None
    request_id: int | None
    closes_at: datetime
    #: the drivers this DM asks about, with the person's choices (bot/services/pulses/drivers.py)
    drivers: tuple[DriverQuestion, ...] = ()
