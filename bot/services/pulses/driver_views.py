"""What driver results and "did it help?" look like, for services and Block Kit builders.

Every ``None`` figure is withheld (anonymity, bot/services/pulses/anonymity.py) or
unknown; builders say so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scoring.drivers import rank_words

#: Quadrant lines, on the 1–5 scales: the middle of each scale, fixed so a driver's
#: quadrant depends on its own figures only.
SATISFIED_LINE = 3.0
IMPORTANT_LINE = 3.0
QUADRANT = "Important and unsatisfied"


@dataclass(frozen=True)
class DomainDriverFigures:
    """One domain's satisfaction with a driver (only domains the rules let show)."""

    domain: str
    answers: int
    satisfaction: float
    unsatisfied: float
    #: the workspace's importance × this domain's unsatisfied share
    gap: float | None
    #: against the previous round, when the domain showed in both
    change: float | None = None


@dataclass(frozen=True)
class DriverFigures:
    driver_id: int
    key: str
    name: str
    #: satisfaction answers in the round (a count, always shown)
    answers: int
    satisfaction: float | None  # mean 1..5
    unsatisfied: float | None  # share answering 1–2
    importance: float | None  # mean of each person's latest answer within 90 days
    importance_people: int
    importance_rank: int | None  # 1 = most important among the drivers shown
    gap: float | None  # importance / 5 × unsatisfied
    change: float | None = None  # satisfaction against the previous round
    domains: tuple[DomainDriverFigures, ...] = ()
    withheld_domains: int = 0

    @property
    def important_and_unsatisfied(self) -> bool:
        return (
            self.satisfaction is not None
            and self.importance is not None
            and self.satisfaction < SATISFIED_LINE
            and self.importance >= IMPORTANT_LINE
        )


@dataclass(frozen=True)
class DriverResults:
    """Drivers in the latest closed round that asked them, against the one before."""

    round_id: int
    started_at: datetime
    #: True: no round with driver answers has closed yet; only counts show
    is_open: bool
    answered: int  # distinct people who answered a driver in the round
    drivers: tuple[DriverFigures, ...]
    threshold: int

    def important_unsatisfied(self) -> tuple[DriverFigures, ...]:
        """The drivers in the shaded quadrant, the largest gap first."""
        found = [d for d in self.drivers if d.important_and_unsatisfied]
        return tuple(sorted(found, key=lambda d: (-(d.gap or 0.0), d.name)))


@dataclass(frozen=True)
class SatisfactionShift:
    """One group's satisfaction with a driver before and after a theme shipped."""

    group: str  # "its requesters", or a domain's name
    before: float
    after: float
    unsatisfied_before: float
    unsatisfied_after: float
    people_before: int
    people_after: int

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class DriverOutcome:
    driver: str
    shifts: tuple[SatisfactionShift, ...]


@dataclass(frozen=True)
class Outcome:
    """Did it help? Tied drivers' satisfaction before and after shipping, where shown."""

    before_round: datetime | None
    after_round: datetime | None
    drivers: tuple[DriverOutcome, ...]
    #: why nothing shows, in words, when ``drivers`` is empty
    note: str = ""


def quadrant_words(results: DriverResults) -> str:
    """ "Important and unsatisfied: build speed (60% unsatisfied, ranks most important),
    documentation (45% unsatisfied, ranks 3rd most important)"; or that none is."""
    found = results.important_unsatisfied()
    if not found:
        return f"{QUADRANT}: none this round."
    parts = []
    for d in found:
        said = f"{round(100 * (d.unsatisfied or 0.0))}% unsatisfied"
        if d.importance_rank is not None:
            said += f", {rank_words(d.importance_rank)}"
        parts.append(f"{d.name} ({said})")
    return f"{QUADRANT}: " + ", ".join(parts)
