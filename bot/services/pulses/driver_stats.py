"""Driver figures from plain answers, with the anonymity rules applied here.

Pure, like bot/services/pulses/stats.py: no caller can show a driver figure for a group
that is too small by forgetting a check. The rules are anonymity.py's:

- a figure needs at least ``k`` distinct people;
- a domain's figure also needs the rest of the round (without it) to have ``k`` people,
  and when hiding leaves one small group recoverable, the next smallest hides too
  (``visible_groups``);
- importance is asked once a quarter per person, so its figure is the mean of each
  person's latest answer in a 90-day window. A window moving round by round would let
  two readings subtract to one new answer, so the shown figure moves only by blocks:
  it changes when at least ``k`` people's contributions differ from the last figure
  shown, and stays as it was otherwise (:func:`importance_in_blocks`).
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from bot.services.pulses.anonymity import enough_people, visible_groups

UNSATISFIED_MAX = 2  # answers 1–2 are "unsatisfied"


@dataclass(frozen=True)
class Satisfaction:
    people: int
    mean: float
    unsatisfied: float


@dataclass(frozen=True)
class DriverAnswerFact:
    """One satisfaction answer to one driver in one round, without who but an opaque id."""

    person: Hashable
    group: str | None
    value: int


def satisfaction(values: Sequence[int]) -> Satisfaction:
    return Satisfaction(
        people=len(values),
        mean=statistics.fmean(values),
        unsatisfied=sum(1 for v in values if v <= UNSATISFIED_MAX) / len(values),
    )


@dataclass(frozen=True)
class RoundDriver:
    """One driver in one round as it may be shown."""

    answers: int
    whole: Satisfaction | None
    groups: Mapping[str, Satisfaction]
    withheld_groups: int


def round_driver(answers: Sequence[DriverAnswerFact], k: int) -> RoundDriver:
    """The whole and the domains that may show (each person answers a driver once a
    round, so answers are distinct people)."""
    if not enough_people((a.person for a in answers), k):
        return RoundDriver(len(answers), None, {}, 0)
    by_group: dict[str, list[int]] = {}
    for answer in answers:
        if answer.group is not None:
            by_group.setdefault(answer.group, []).append(answer.value)
    shown = visible_groups({g: len(v) for g, v in by_group.items()}, len(answers), k)
    return RoundDriver(
        answers=len(answers),
        whole=satisfaction([a.value for a in answers]),
        groups={g: satisfaction(by_group[g]) for g in sorted(shown)},
        withheld_groups=len(by_group) - len(shown),
    )


#: A person's contribution to an importance window: (which answer, its value).
Contribution = tuple[Hashable, int]


@dataclass(frozen=True)
class Importance:
    people: int
    mean: float


def importance_in_blocks(
    windows: Sequence[Mapping[Hashable, Contribution]], k: int
) -> list[Importance | None]:
    """The importance figure shown at each window, oldest first.

    A window maps each person to their latest importance answer in it. The first window
    with ``k`` people shows; afterwards the shown figure changes only when at least ``k``
    people's contributions (new, gone, or a newer answer) differ from the last one shown,
    so no two readings differ by fewer than ``k`` people's answers.
    """
    shown: Mapping[Hashable, Contribution] | None = None
    out: list[Importance | None] = []
    for window in windows:
        if shown is None:
            if enough_people(window, k):
                shown = window
        else:
            changed = {p for p in set(window) | set(shown) if window.get(p) != shown.get(p)}
            if len(changed) >= k and enough_people(window, k):
                shown = window
        out.append(
            Importance(len(shown), statistics.fmean(v for _, v in shown.values()))
            if shown
            else None
        )
    return out


def may_join(group: frozenset[Hashable], shown: Sequence[frozenset[Hashable]], k: int) -> bool:
    """Whether a group of answerers may show beside groups already shown over the same
    answers (the whole, the domains, other groups).

    Shown figures can be added and subtracted. Whatever an attacker combines, the finest
    thing they can isolate is a region of the Venn diagram of the shown groups: the people
    inside exactly some of them. So the group may show only when every region, with it
    added, holds none or at least ``k`` people. (Two groups that differ by one person
    make a region of one; so do two disjoint groups that cover all but one.)
    """
    everyone: set[Hashable] = set(group).union(*shown)
    regions: dict[tuple[bool, ...], int] = {}
    for person in everyone:
        where = (person in group, *(person in other for other in shown))
        regions[where] = regions.get(where, 0) + 1
    return all(count >= k for count in regions.values())
