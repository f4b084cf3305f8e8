"""Driver results a PM acts on: satisfaction, importance and their gap per driver, for the
latest closed round that asked drivers, against the one before, per domain.

This module reads rows and hands plain answers on; the anonymity rules are applied in
bot/services/pulses/driver_stats.py. Only released rounds (closed) show figures; while
no round with driver answers has closed, only how many answered shows.

Definitions (docs/pulses.md, "Driver results and the quadrant"):

- satisfaction: the mean of the round's 1–5 answers, and the share unsatisfied (1–2);
- importance: the mean of each person's latest importance answer in released rounds
  started within 90 days up to the round (moving only by blocks of ``k`` people);
- gap: ``importance / 5 × share unsatisfied`` (0..1; scoring.drivers.gap);
- change: the satisfaction mean against the previous released round that asked drivers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.services.driver_views import IMPORTANCE, SATISFACTION
from bot.services.pulses.anonymity import released
from bot.services.pulses.driver_stats import (
    Contribution,
    DriverAnswerFact,
    Importance,
    Satisfaction,
    importance_in_blocks,
    round_driver,
)
from bot.services.pulses.driver_views import DomainDriverFigures, DriverFigures, DriverResults
from scoring import DriverGap
from scoring.drivers import gap
from storage.models import Driver, DriverAnswer, PulseRound
from storage.unit_of_work import UnitOfWork

IMPORTANCE_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class DriverData:
    """Every round that asked drivers (oldest first), their answers, and domain names."""

    rounds: tuple[PulseRound, ...]
    released: tuple[PulseRound, ...]
    answers: tuple[DriverAnswer, ...]
    drivers: Mapping[int, Driver]
    domains: Mapping[int, str]
    #: answers by (round, driver, kind), built once: every figure reads a slice
    by_key: Mapping[tuple[int, int, str], tuple[DriverAnswer, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def of(self, round_id: int, driver_id: int, kind: str) -> tuple[DriverAnswer, ...]:
        return self.by_key.get((round_id, driver_id, kind), ())

    def satisfaction_in(self, round_id: int, driver_id: int) -> list[DriverAnswerFact]:
        return [
            DriverAnswerFact(a.user_id, self.domains.get(a.domain_id or 0), a.value)
            for a in self.of(round_id, driver_id, SATISFACTION)
        ]


def driver_data(uow: UnitOfWork, now: datetime) -> DriverData:
    asked = uow.driver_results.rounds_with_answers()
    rounds = tuple(r for r in uow.pulses.rounds() if r.id in asked and r.started_at <= now)
    answers = tuple(uow.driver_answers.of_rounds(r.id for r in rounds))
    by_key: dict[tuple[int, int, str], list[DriverAnswer]] = defaultdict(list)
    for answer in answers:
        by_key[(answer.round_id, answer.driver_id, answer.kind)].append(answer)
    return DriverData(
        rounds=rounds,
        released=tuple(r for r in rounds if released(r.closed_at, r.closes_at, now)),
        answers=answers,
        drivers={d.id: d for d in uow.drivers.list_all()},
        domains={d.id: d.name for d in uow.domains.list_all()},
        by_key={key: tuple(rows) for key, rows in by_key.items()},
    )


def importance_by_round(data: DriverData, k: int) -> dict[int, dict[int, Importance | None]]:
    """Per released round, per driver: the importance figure shown at that round.

    The window of a round holds each person's latest importance answer in released rounds
    started within ``IMPORTANCE_WINDOW`` up to it (later round, then later answer, wins).
    """
    out: dict[int, dict[int, Importance | None]] = {r.id: {} for r in data.released}
    for driver_id in data.drivers:
        windows: list[dict[Hashable, Contribution]] = []
        for pulse_round in data.released:
            since = pulse_round.started_at - IMPORTANCE_WINDOW
            latest: dict[Hashable, Contribution] = {}
            for earlier in data.released:  # oldest first: later answers overwrite
                if since < earlier.started_at <= pulse_round.started_at:
                    for a in sorted(data.of(earlier.id, driver_id, IMPORTANCE), key=lambda a: a.id):
                        latest[a.user_id] = (a.id, a.value)
            windows.append(latest)
        for pulse_round, shown in zip(data.released, importance_in_blocks(windows, k), strict=True):
            out[pulse_round.id][driver_id] = shown
    return out


def driver_results(uow: UnitOfWork, k: int, now: datetime) -> DriverResults | None:
    """The latest released round that asked drivers, with the one before; None when no
    round asked drivers yet. Before any such round closed: counts only."""
    data = driver_data(uow, now)
    if not data.rounds:
        return None
    if data.released:
        shown = data.released[-1]
        previous = data.released[-2] if len(data.released) > 1 else None
        importance = importance_by_round(data, k)
        drivers = ranked(
            [
                figures_of(data, driver, shown, previous, importance, k)
                for driver in asked_drivers(data, shown.id)
            ]
        )
    else:
        shown = data.rounds[-1]
        drivers = [
            counts_only(driver, len(data.satisfaction_in(shown.id, driver.id)))
            for driver in asked_drivers(data, shown.id)
        ]
    return DriverResults(
        shown.id,
        shown.started_at,
        not data.released,
        answered_people(data, shown.id),
        tuple(drivers),
        k,
    )


def asked_drivers(data: DriverData, round_id: int) -> list[Driver]:
    ids = {a.driver_id for a in data.answers if a.round_id == round_id}
    return sorted(
        (data.drivers[i] for i in ids if i in data.drivers), key=lambda d: (d.position, d.id)
    )


def answered_people(data: DriverData, round_id: int) -> int:
    return len({a.user_id for a in data.answers if a.round_id == round_id})


def counts_only(driver: Driver, answers: int) -> DriverFigures:
    return DriverFigures(
        driver.id, driver.key, driver.name, answers, None, None, None, 0, None, None
    )


def figures_of(
    data: DriverData,
    driver: Driver,
    current: PulseRound,
    previous: PulseRound | None,
    importance: Mapping[int, Mapping[int, Importance | None]],
    k: int,
) -> DriverFigures:
    now_round = round_driver(data.satisfaction_in(current.id, driver.id), k)
    before = round_driver(data.satisfaction_in(previous.id, driver.id), k) if previous else None
    shown_importance = importance[current.id].get(driver.id)
    whole = now_round.whole
    mean_importance = shown_importance.mean if shown_importance else None
    domains = tuple(
        DomainDriverFigures(
            domain=name,
            answers=figures.people,
            satisfaction=figures.mean,
            unsatisfied=figures.unsatisfied,
            gap=gap(mean_importance, figures.unsatisfied) if mean_importance is not None else None,
            change=change(figures.mean, before.groups.get(name) if before else None),
        )
        for name, figures in now_round.groups.items()
    )
    return DriverFigures(
        driver_id=driver.id,
        key=driver.key,
        name=driver.name,
        answers=now_round.answers,
        satisfaction=whole.mean if whole else None,
        unsatisfied=whole.unsatisfied if whole else None,
        importance=mean_importance,
        importance_people=shown_importance.people if shown_importance else 0,
        importance_rank=None,
        gap=(
            gap(mean_importance, whole.unsatisfied)
            if whole and mean_importance is not None
            else None
        ),
        change=change(whole.mean, before.whole) if whole and before else None,
        domains=domains,
        withheld_domains=now_round.withheld_groups,
    )


def change(mean: float, before: Satisfaction | None) -> float | None:
    return mean - before.mean if before is not None else None


def ranked(figures: Sequence[DriverFigures]) -> list[DriverFigures]:
    """Each driver with its rank by importance among the drivers whose importance shows
    (1 = most important; ties share the better rank)."""
    means = {f.importance for f in figures if f.importance is not None}
    out = []
    for f in figures:
        rank = None
        if f.importance is not None:
            rank = 1 + sum(1 for m in means if m > f.importance)
        out.append(replace(f, importance_rank=rank))
    return out


def driver_gaps(results: DriverResults | None) -> dict[int, DriverGap]:
    """What scoring takes of the published results: per driver id, its whole figures."""
    if results is None or results.is_open:
        return {}
    return {
        f.driver_id: DriverGap(f.name, f.unsatisfied, f.importance, f.importance_rank)
        for f in results.drivers
        if f.unsatisfied is not None and f.importance is not None
    }
