"""Driver results and "did it help?", played as an attacker: read a domain, the whole and
the whole without the domain; read two overlapping groups of requesters; read importance
before and after one more person answered. Nothing may give away one answer.

Threshold 5. The driver figures are read where people see them: `/roadmap pulse`'s
drivers section, `/roadmap theme N` and the JSON export.
"""

from __future__ import annotations

import itertools
import json
import random

import pytest

from bot.cli.data import roadmap_json
from bot.services.pulses.driver_results import driver_results
from bot.services.pulses.driver_stats import DriverAnswerFact, round_driver
from bot.services.pulses.driver_views import DriverFigures, DriverResults
from bot.services.roadmap.admin import Actor
from bot.services.roadmap.driver_admin import tie_driver
from bot.services.roadmap.outcomes import REQUESTERS, outcomes, with_outcomes
from bot.services.roadmap.ranking import build_roadmap
from bot.services.roadmap.theme_details import theme_details
from bot.slack.blocks.driver_results import driver_results_blocks
from bot.slack.blocks.theme import theme_detail_blocks
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database
from tests.integration.app.checks import all_text, valid_blocks
from tests.integration.pulses.driver_seed import PM, TEAM, DriverSeed, day

K = 5
ADMIN = Actor(TEAM, PM, frozenset({PM}))


def derivable_groups(total: int, shown: dict[str, int]) -> list[int]:
    """Sizes of every group an attacker can isolate by subtracting shown groups from the
    whole (each shown group, and the whole minus any set of them)."""
    sizes = list(shown.values())
    for r in range(1, len(shown) + 1):
        for picked in itertools.combinations(shown.values(), r):
            sizes.append(total - sum(picked))
    return sizes


def assert_nothing_small(figures: DriverFigures) -> None:
    if figures.satisfaction is None:
        assert figures.domains == ()
        return
    shown = {d.domain: d.answers for d in figures.domains}
    for size in derivable_groups(figures.answers, shown):
        assert size == 0 or size >= K, (figures.answers, shown)


def read(db: Database, at_day: float) -> DriverResults:
    with unit_of_work(db.sessions, TEAM) as uow:
        results = driver_results(uow, K, day(at_day))
    assert results is not None
    return results


def test_domain_all_and_all_but_the_domain_reveal_no_answer(database: Database) -> None:
    """9 answers: platform 5, data 4. Showing platform would give data (9 − 5 = 4) away."""
    seed = DriverSeed(database)
    build = seed.driver("build_speed", "build speed")
    platform, data = seed.domain("platform"), seed.domain("data")
    first = seed.round(day(0))
    seed.answers(first, build, dict.fromkeys(range(5), 4), domain_id=platform)
    seed.answers(first, build, {5: 1, 6: 2, 7: 1, 8: 1}, domain_id=data)
    results = read(database, 10)
    [figures] = results.drivers
    assert figures.satisfaction == pytest.approx(25 / 9)
    assert figures.domains == ()  # neither platform (rest 4) nor data (4)
    assert figures.withheld_domains == 2
    text = all_text(valid_blocks(driver_results_blocks(results)))
    assert "platform" not in text
    assert "data" not in text
    assert "2 domains withheld" in text
    assert_nothing_small(figures)


def test_a_small_domain_hides_the_next_smallest_too(database: Database) -> None:
    """30 answers: platform 20, data 7, mobile 3 → mobile hidden; then whole − platform −
    data = mobile, so data hides too; only platform shows."""
    seed = DriverSeed(database)
    build = seed.driver("build_speed", "build speed")
    sizes = {"platform": 20, "data": 7, "mobile": 3}
    first = seed.round(day(0))
    start = 0
    for name, size in sizes.items():
        domain = seed.domain(name)
        seed.answers(first, build, {start + i: 1 + i % 5 for i in range(size)}, domain_id=domain)
        start += size
    [figures] = read(database, 10).drivers
    assert [d.domain for d in figures.domains] == ["platform"]
    assert_nothing_small(figures)


def test_random_rounds_never_isolate_fewer_than_k() -> None:
    rng = random.Random(18)
    for _ in range(300):
        answers = []
        person = 0
        for group in ["a", "b", "c", "d", None][: rng.randint(1, 5)]:
            for _ in range(rng.randint(0, 9)):
                answers.append(DriverAnswerFact(person, group, rng.randint(1, 5)))
                person += 1
        shown = round_driver(answers, K)
        if shown.whole is None:
            assert shown.groups == {}
            continue
        sizes = {g: s.people for g, s in shown.groups.items()}
        for size in derivable_groups(len(answers), sizes):
            assert size == 0 or size >= K


def test_importance_of_one_more_person_is_not_revealed(database: Database) -> None:
    """Round 1: five people rate importance. Round 2: one more. Reading before and after
    must not differ by that one answer; five more people later move the figure."""
    seed = DriverSeed(database)
    build = seed.driver("build_speed", "build speed")
    rounds = [seed.round(day(0)), seed.round(day(14)), seed.round(day(28))]
    for round_id in rounds:
        seed.answers(round_id, build, dict.fromkeys(range(12), 3))
    seed.answers(rounds[0], build, dict.fromkeys(range(5), 4), "importance")
    seed.answers(rounds[1], build, {5: 1}, "importance")
    seed.answers(rounds[2], build, dict.fromkeys(range(6, 11), 1), "importance")
    after_first = read(database, 10).drivers[0]
    after_second = read(database, 24).drivers[0]
    after_third = read(database, 38).drivers[0]
    assert (after_first.importance, after_first.importance_people) == (4.0, 5)
    assert (after_second.importance, after_second.importance_people) == (4.0, 5)
    assert after_third.importance_people == 11
    assert after_third.importance == pytest.approx((4 * 5 + 1 + 5) / 11)


class Shipped:
    """Five themes shipped on day 8, tied to build speed, asked for by overlapping groups;
    15 people (0–14) answer in every round."""

    def __init__(self, db: Database) -> None:
        seed = DriverSeed(db)
        self.db = db
        build = seed.driver("build_speed", "build speed")
        self.before, self.after = seed.round(day(0)), seed.round(day(28))
        seed.answers(self.before, build, {n: 1 + n % 3 for n in range(15)})
        seed.answers(self.after, build, {n: 3 + n % 3 for n in range(15)})
        groups = {
            "first": list(range(7)),  # 0–6
            "one more": list(range(8)),  # 0–7: minus "first" is person 7 alone
            "all but one": list(range(14)),  # whole − it is person 14 alone
            "four": [20, 21, 22, 23, 0],  # one answerer only
            "the others": list(range(7, 14)),  # disjoint from "first": the whole − both = 14
        }
        self.themes = {
            name: seed.theme(f"Theme {name}", askers, day(1)) for name, askers in groups.items()
        }
        for theme_id in self.themes.values():
            seed.ship(theme_id, day(8))
        with unit_of_work(db.sessions, TEAM) as uow:
            for theme_id in self.themes.values():
                tie_driver(uow, ADMIN, theme_id, "build_speed")


def requester_shift(shipped: Shipped, name: str) -> object | None:
    with unit_of_work(shipped.db.sessions, TEAM) as uow:
        found = outcomes(uow, set(shipped.themes.values()), day(40), K)
    outcome = found[shipped.themes[name]]
    shifts = [s for d in outcome.drivers for s in d.shifts if s.group == REQUESTERS]
    return shifts[0] if shifts else None


def test_overlapping_requester_groups_never_differ_by_one_person(database: Database) -> None:
    shipped = Shipped(database)
    first = requester_shift(shipped, "first")
    assert first is not None  # 7 people, 8 outside: shown
    # 0–7 against 0–6 would be person 7's answers, before and after
    assert requester_shift(shipped, "one more") is None
    # 0–13 against the whole 0–14 would be person 14's
    assert requester_shift(shipped, "all but one") is None
    # one answerer: below the threshold
    assert requester_shift(shipped, "four") is None
    # 7–13 beside 0–6: each apart enough, but whole − both would be person 14's answers
    assert requester_shift(shipped, "the others") is None


def test_the_surfaces_show_only_what_the_rules_allow(database: Database) -> None:
    shipped = Shipped(database)
    with unit_of_work(database.sessions, TEAM) as uow:
        hidden = theme_details(uow, shipped.themes["one more"], day(40), anonymity=K)
        shown = theme_details(uow, shipped.themes["first"], day(40), anonymity=K)
        entries = with_outcomes(
            uow, build_roadmap(uow, day(40), active_only=False, anonymity=K), day(40), K
        )
    hidden_text = all_text(valid_blocks(theme_detail_blocks(hidden)))
    assert REQUESTERS not in hidden_text
    assert "fewer than 5 people answered in a group before and after" in hidden_text
    assert REQUESTERS in all_text(valid_blocks(theme_detail_blocks(shown)))
    exported = {r["theme_id"]: r["did_it_help"] for r in json.loads(roadmap_json(entries))}
    assert exported[shipped.themes["one more"]]["drivers"] == []
    assert exported[shipped.themes["all but one"]]["drivers"] == []
    assert exported[shipped.themes["first"]]["drivers"][0]["groups"][0]["group"] == REQUESTERS
