"""Pulse round figures from plain answers: average, distribution, eNPS, participation.

Pure and with the anonymity rules applied here (bot/services/pulses/anonymity.py), so no
caller can show a figure for a group that is too small by forgetting a check.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.services.pulses.anonymity import visible_groups, whole_visible
from bot.services.pulses.views import Figures, RoundFigures

PROMOTER_MIN = 9
DETRACTOR_MAX = 6


@dataclass(frozen=True)
class Answer:
    """One person's answer, without who: the group (domain) they belong to, if any."""

    group: str | None
    score: int
    enps: int | None = None


def enps(scores: Iterable[int]) -> float | None:
    """(promoters 9–10 − detractors 0–6) / all answers × 100; None without answers."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= PROMOTER_MIN)
    detractors = sum(1 for v in values if v <= DETRACTOR_MAX)
    return (promoters - detractors) / len(values) * 100


def _figures(answers: Sequence[Answer], asked: int, show_enps: bool) -> Figures:
    scores = [a.score for a in answers]
    counts = Counter(scores)
    enps_values = [a.enps for a in answers if a.enps is not None]
    return Figures(
        answers=len(answers),
        asked=asked,
        average=statistics.fmean(scores) if scores else None,
        distribution=tuple(counts.get(n, 0) for n in range(1, 6)),
        enps=enps(enps_values) if show_enps else None,
        enps_answers=len(enps_values),
    )


def round_figures(
    answers: Sequence[Answer], asked_by_group: Mapping[str | None, int], k: int
) -> RoundFigures:
    """The figures of one round that may be shown, the whole and per group.

    ``asked_by_group``: people asked per group (None: no group), for participation.
    eNPS is optional for people, so its own answer counts pass the same rules.
    """
    asked = sum(asked_by_group.values())
    if not whole_visible(len(answers), k):
        return RoundFigures(None, {}, 0, asked, len(answers))
    by_group: dict[str, list[Answer]] = {}
    for answer in answers:
        if answer.group is not None:
            by_group.setdefault(answer.group, []).append(answer)
    shown = visible_groups({g: len(a) for g, a in by_group.items()}, len(answers), k)
    enps_total = sum(1 for a in answers if a.enps is not None)
    enps_counts = {g: sum(1 for a in rows if a.enps is not None) for g, rows in by_group.items()}
    enps_shown = visible_groups(enps_counts, enps_total, k)
    groups = {
        group: _figures(by_group[group], asked_by_group.get(group, 0), group in enps_shown)
        for group in sorted(shown)
    }
    return RoundFigures(
        whole=_figures(answers, asked, whole_visible(enps_total, k)),
        groups=groups,
        withheld_groups=len(by_group) - len(groups),
        asked=asked,
        answered=len(answers),
    )
