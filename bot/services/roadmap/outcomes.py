"""Did it help? Shipped themes' tied drivers, before and after shipping.

For a shipped theme and each driver it is tied to, the satisfaction of two groups in two
rounds: **before**, the latest released round that closed by the time the theme shipped
(``status_changed_at``); **after**, the first released round that started at least
``AFTER_SHIPPING`` (14 days) after it shipped, so the change had time to be felt. The
groups: *its requesters* (the people who asked for it before it shipped: a group fixed
at shipping, so it never moves afterwards) and each of *its domains* (the domains its
requests came from), with the domain figures the round's driver results publish.

Anonymity (bot/services/pulses/anonymity.py, driver_stats.py):

- a group's before/after shows only with at least ``k`` distinct people in **each**
  round; otherwise neither shows;
- a domain shows only where the round's driver results show it (the group rules);
- requester groups overlap each other, the whole and the domains, so one may show only
  when, with the round's whole, every domain shown and every requester group shown before
  it (shipments in order, each once, whatever their ties), every region of their Venn
  diagram holds none or at least ``k`` people (``may_join``): no sum or difference of
  published figures isolates fewer than ``k`` answers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.services.digest_views import StatusNews
from bot.services.pulses.anonymity import DEFAULT_THRESHOLD, enough_people
from bot.services.pulses.driver_results import DriverData, driver_data
from bot.services.pulses.driver_stats import (
    Satisfaction,
    may_join,
    round_driver,
    satisfaction,
)
from bot.services.pulses.driver_views import DriverOutcome, Outcome, SatisfactionShift
from bot.services.roadmap.ranking import theme_ties
from bot.services.roadmap.views import RoadmapEntry
from scoring import ScoringConfig
from storage.enums import ThemeStatus
from storage.models import PulseRound
from storage.unit_of_work import UnitOfWork

AFTER_SHIPPING = timedelta(days=14)
REQUESTERS = "its requesters"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Shipment:
    theme_id: int
    shipped_at: datetime
    requesters: frozenset[int]
    domains: frozenset[str]


def closed_at(pulse_round: PulseRound) -> datetime:
    return pulse_round.closed_at or pulse_round.closes_at


def before_round(data: DriverData, shipped_at: datetime) -> PulseRound | None:
    return next((r for r in reversed(data.released) if closed_at(r) <= shipped_at), None)


def after_round(data: DriverData, shipped_at: datetime) -> PulseRound | None:
    return next((r for r in data.released if r.started_at >= shipped_at + AFTER_SHIPPING), None)


def shipments(uow: UnitOfWork, data: DriverData) -> list[Shipment]:
    """Every shipment ever made, oldest first, with who asked and from which domains."""
    changes = [c for c in uow.themes.changes_since(EPOCH) if c.to_status == ThemeStatus.SHIPPED]
    rows = uow.driver_results.requests_of({c.theme_id for c in changes})
    out = []
    for change in changes:
        asked = [
            (user, domain)
            for theme, user, domain, at in rows
            if theme == change.theme_id and at <= change.changed_at
        ]
        out.append(
            Shipment(
                change.theme_id,
                change.changed_at,
                frozenset(user for user, _ in asked),
                frozenset(data.domains[d] for _, d in asked if d is not None and d in data.domains),
            )
        )
    return out


class RequesterGroups:
    """Which shipments' requester groups may show, per (round, driver): decided once per
    pair, over every shipment in order, so what shows never depends on who looks."""

    def __init__(self, data: DriverData, shipped: Sequence[Shipment], k: int) -> None:
        self.data, self.shipped, self.k = data, shipped, k
        self.decided: dict[tuple[int, int], dict[int, Satisfaction]] = {}

    def figure(self, round_id: int, driver_id: int, shipment: int) -> Satisfaction | None:
        key = (round_id, driver_id)
        if key not in self.decided:
            self.decided[key] = self.decide(round_id, driver_id)
        return self.decided[key].get(shipment)

    def decide(self, round_id: int, driver_id: int) -> dict[int, Satisfaction]:
        answers = self.data.satisfaction_in(round_id, driver_id)
        published = round_driver(answers, self.k)
        if published.whole is None:
            return {}
        shown: list[frozenset[Hashable]] = [frozenset(a.person for a in answers)]
        shown += [
            frozenset(a.person for a in answers if a.group == name) for name in published.groups
        ]
        figures: dict[int, Satisfaction] = {}
        for index, shipment in enumerate(self.shipped):
            mine = [a for a in answers if a.person in shipment.requesters]
            group: frozenset[Hashable] = frozenset(a.person for a in mine)
            if enough_people(group, self.k) and may_join(group, shown, self.k):
                shown.append(group)
                figures[index] = satisfaction([a.value for a in mine])
        return figures


def shift(
    group: str, before: Satisfaction | None, after: Satisfaction | None
) -> SatisfactionShift | None:
    if before is None or after is None:
        return None
    return SatisfactionShift(
        group,
        before.mean,
        after.mean,
        before.unsatisfied,
        after.unsatisfied,
        before.people,
        after.people,
    )


def outcomes(
    uow: UnitOfWork,
    theme_ids: Iterable[int],
    now: datetime,
    k: int = DEFAULT_THRESHOLD,
    config: ScoringConfig | None = None,
) -> dict[int, Outcome]:
    """Did it help? for each of these themes that is shipped (the latest shipment)."""
    wanted = set(theme_ids)
    data = driver_data(uow, now)
    shipped = shipments(uow, data)
    latest = {s.theme_id: i for i, s in enumerate(shipped) if s.theme_id in wanted}
    themes = {t.id: t for t in uow.themes.shipped() if t.id in latest}
    if not themes:
        return {}
    ties = theme_ties(uow, themes, config)
    groups = RequesterGroups(data, shipped, k)
    return {
        theme_id: outcome_of(data, groups, latest[theme_id], ties[theme_id], k)
        for theme_id in themes
    }


def outcome_of(
    data: DriverData, groups: RequesterGroups, index: int, tied: set[int], k: int
) -> Outcome:
    """Did it help? for the shipment at ``index`` of ``groups.shipped``."""
    shipment = groups.shipped[index]
    before = before_round(data, shipment.shipped_at)
    after = after_round(data, shipment.shipped_at)
    when = (before.started_at if before else None, after.started_at if after else None)
    if not tied:
        return Outcome(*when, (), "not tied to a driver (`/roadmap tie N <driver>`)")
    if before is None or after is None:
        missing = "before it shipped" if before is None else "since it shipped"
        return Outcome(*when, (), f"no closed pulse round asked drivers {missing} yet")
    found = []
    for driver_id in sorted(tied, key=lambda d: (data.drivers[d].position, d)):
        shifts = [
            shift(
                REQUESTERS,
                groups.figure(before.id, driver_id, index),
                groups.figure(after.id, driver_id, index),
            )
        ]
        published = (
            round_driver(data.satisfaction_in(before.id, driver_id), k),
            round_driver(data.satisfaction_in(after.id, driver_id), k),
        )
        shifts += [
            shift(name, published[0].groups.get(name), published[1].groups.get(name))
            for name in sorted(shipment.domains)
        ]
        kept = tuple(s for s in shifts if s is not None)
        if kept:
            found.append(DriverOutcome(data.drivers[driver_id].name, kept))
    note = "" if found else f"fewer than {k} people answered in a group before and after"
    return Outcome(*when, tuple(found), note)


def with_outcomes(
    uow: UnitOfWork,
    entries: Sequence[RoadmapEntry],
    now: datetime,
    k: int = DEFAULT_THRESHOLD,
    config: ScoringConfig | None = None,
) -> list[RoadmapEntry]:
    """The entries with "did it help?" on the shipped ones (for exports)."""
    shipped = {e.theme_id for e in entries if e.status == ThemeStatus.SHIPPED.value}
    found = outcomes(uow, shipped, now, k, config) if shipped else {}
    return [replace(e, outcome=found.get(e.theme_id)) for e in entries]


def newly_measured(
    uow: UnitOfWork,
    since: datetime,
    now: datetime,
    k: int = DEFAULT_THRESHOLD,
    config: ScoringConfig | None = None,
    in_scope: set[int] | None = None,
) -> list[StatusNews]:
    """Shipped themes whose "after" round was released in (since, now] and that have a
    shift to show: the digest's "Did it help?" beside what shipped."""
    data = driver_data(uow, now)
    due = []
    for theme in uow.themes.shipped():
        if in_scope is not None and theme.id not in in_scope:
            continue
        assert theme.status_changed_at is not None
        after = after_round(data, theme.status_changed_at)
        if after is not None and since < closed_at(after) <= now:
            due.append(theme)
    found = outcomes(uow, {t.id for t in due}, now, k, config)
    return [
        StatusNews(t.id, t.label, "", t.status_changed_at or now, outcome=found[t.id])
        for t in sorted(due, key=lambda t: (t.status_changed_at or now, t.id))
        if t.id in found and found[t.id].drivers
    ]
