"""Drivers in a theme's score: a theme tied to a driver many people find important and
are unhappy with is worth more.

The gap of a driver is ``importance / 5 × unsatisfied``: its mean importance (1..5) scaled
to 0..1, times the share of people unsatisfied with it (answers 1–2). 60% unsatisfied
with a driver of importance 4.5 gives 0.9 × 0.6 = 0.54. The component's value is the
largest gap among the drivers the theme is tied to (a theme that eases two sore drivers
is not counted twice: the larger gap decides, the other is named in the detail).

Absolute like every component: a driver's figures are the workspace's published ones,
and the tie depends on this theme and this driver only, so adding an unrelated theme
changes no other theme's score.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring.config import ScoringConfig
from scoring.models import DriverGap, ThemeFacts
from scoring.objectives import meaning_similarity

IMPORTANCE_MAX = 5.0


def gap(importance: float, unsatisfied: float) -> float:
    """``importance / 5 × unsatisfied``, in 0..1."""
    scaled = min(IMPORTANCE_MAX, max(0.0, importance)) / IMPORTANCE_MAX
    return scaled * min(1.0, max(0.0, unsatisfied))


def driver_gap(driver: DriverGap) -> float:
    """:func:`gap` of a driver's published figures."""
    return gap(driver.importance, driver.unsatisfied)


def largest_gap(facts: ThemeFacts) -> tuple[float, DriverGap | None]:
    """The component's value and the driver that sets it (ties: the first tied)."""
    best = max(facts.drivers, key=driver_gap, default=None)
    return (0.0 if best is None else driver_gap(best)), best


def ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_words(rank: int) -> str:
    """1 → "ranks most important", 3 → "ranks 3rd most important"."""
    return "ranks most important" if rank == 1 else f"ranks {ordinal(rank)} most important"


def reason(driver: DriverGap) -> str:
    """ "addresses 'build speed', where 60% are unsatisfied and it ranks most important"."""
    said = (
        f"it {rank_words(driver.importance_rank)}"
        if driver.importance_rank is not None
        else f"its importance is {driver.importance:.1f}/5"
    )
    share = round(100 * driver.unsatisfied)
    return f"addresses '{driver.name}', where {share}% are unsatisfied and {said}"


def detail(facts: ThemeFacts) -> str:
    """The component's detail: every tied driver with its gap, largest first."""
    parts = sorted(facts.drivers, key=lambda d: (-driver_gap(d), d.name))
    return "; ".join(
        f"'{d.name}' gap {driver_gap(d):.2f} "
        f"(importance {d.importance:.1f}/5 × {round(100 * d.unsatisfied)}% unsatisfied)"
        for d in parts
    )


def suggested(
    theme: NDArray[np.floating[Any]] | None,
    driver: NDArray[np.floating[Any]] | None,
    config: ScoringConfig,
) -> bool:
    """Whether a theme looks like it addresses a driver, by meaning alone (both need an
    embedding): a fixed cosine threshold, so the tie depends on these two texts only."""
    if theme is None or driver is None:
        return False
    return meaning_similarity(theme, driver) >= config.driver_suggest_at
