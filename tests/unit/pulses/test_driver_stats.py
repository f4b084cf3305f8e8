"""Driver figures without a database: thresholds, domains, importance in blocks, the
pairwise rule for overlapping groups, the quadrant in words and as a PNG."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.pulses.anonymity import visible_groups
from bot.services.pulses.driver_chart import quadrant_alt_text, quadrant_chart_png
from bot.services.pulses.driver_stats import (
    DriverAnswerFact,
    importance_in_blocks,
    may_join,
    round_driver,
)
from bot.services.pulses.driver_views import (
    DomainDriverFigures,
    DriverFigures,
    DriverOutcome,
    DriverResults,
    Outcome,
    SatisfactionShift,
    quadrant_words,
)
from bot.slack.blocks.driver_results import driver_results_blocks, outcome_blocks
from tests.integration.app.checks import all_text, valid_blocks

K = 5


def answers(group: str | None, values: list[int], start: int = 0) -> list[DriverAnswerFact]:
    return [DriverAnswerFact(start + i, group, v) for i, v in enumerate(values)]


def test_a_round_below_the_threshold_shows_nothing_but_the_count() -> None:
    shown = round_driver(answers("platform", [1, 2, 3, 4]), K)
    assert shown.whole is None
    assert shown.groups == {}
    assert shown.answers == 4


def test_mean_and_unsatisfied_share() -> None:
    shown = round_driver(answers(None, [1, 2, 2, 4, 5]), K)
    assert shown.whole is not None
    assert shown.whole.mean == 2.8
    assert shown.whole.unsatisfied == 0.6


def test_domains_follow_the_group_rules() -> None:
    # whole 12: platform 9, data 3 → data hidden (direct), platform hidden (rest 3 < 5)
    facts = answers("platform", [3] * 9) + answers("data", [1, 1, 1], start=9)
    shown = round_driver(facts, K)
    assert shown.whole is not None
    assert shown.groups == {}
    assert shown.withheld_groups == 2
    # whole 20: 10 and 10 → both shown
    facts = answers("platform", [4] * 10) + answers("data", [2] * 10, start=10)
    assert set(round_driver(facts, K).groups) == {"platform", "data"}


def test_importance_moves_only_by_blocks_of_k_people() -> None:
    first = {p: (f"a{p}", 4) for p in range(5)}
    one_more = first | {99: ("a99", 1)}  # one new answer: would give itself away
    five_more = one_more | {p: (f"a{p}", 1) for p in range(100, 104)}
    shown = importance_in_blocks([first, one_more, five_more], K)
    assert shown[0] is not None
    assert shown[0].mean == 4.0
    assert shown[0].people == 5
    assert shown[1] == shown[0]  # carried forward: 4.0 from the same 5 people
    assert shown[2] is not None
    assert shown[2].people == 10
    assert importance_in_blocks([{p: (p, 3) for p in range(4)}], K) == [None]


def test_a_group_joins_only_if_no_region_is_small() -> None:
    whole = frozenset(range(20))
    assert may_join(frozenset(range(10)), [whole], K)
    assert not may_join(frozenset(range(19)), [whole], K)  # whole − group = 1 person
    assert may_join(whole, [whole], K)  # the same people: the same figure
    a = frozenset(range(10))
    assert not may_join(frozenset(range(1, 11)), [a], K)  # one in, one out
    assert may_join(frozenset(range(5, 15)), [a], K)
    # two disjoint groups covering all but one: whole − one − other = person 14
    whole = frozenset(range(15))
    assert may_join(frozenset(range(7)), [whole], K)
    assert not may_join(frozenset(range(7, 14)), [whole, frozenset(range(7))], K)


def results(*drivers: DriverFigures) -> DriverResults:
    return DriverResults(1, datetime(2026, 6, 1, tzinfo=UTC), False, 12, drivers, K)


BUILD = DriverFigures(
    1,
    "build_speed",
    "build speed",
    10,
    2.2,
    0.6,
    4.5,
    10,
    1,
    0.54,
    -0.3,
    (DomainDriverFigures("platform", 5, 2.0, 0.6, 0.54, None),),
    1,
)
DOCS = DriverFigures(2, "docs", "documentation", 10, 2.8, 0.4, 3.4, 10, 3, 0.27)
TOOLS = DriverFigures(3, "tools", "local tools", 10, 4.1, 0.0, 3.9, 10, 2, 0.0)
HIDDEN = DriverFigures(4, "oncall", "on-call load", 3, None, None, None, 0, None, None)


def test_the_quadrant_in_words() -> None:
    said = quadrant_words(results(BUILD, DOCS, TOOLS, HIDDEN))
    assert said == (
        "Important and unsatisfied: build speed (60% unsatisfied, ranks most important), "
        "documentation (40% unsatisfied, ranks 3rd most important)"
    )
    assert quadrant_words(results(TOOLS)) == "Important and unsatisfied: none this round."


def test_the_chart_is_a_png_of_sane_size() -> None:
    png = quadrant_chart_png(results(BUILD, DOCS, TOOLS, HIDDEN))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert 10_000 < len(png) < 500_000
    assert "build speed: satisfaction 2.2, importance 4.5" in quadrant_alt_text(
        results(BUILD, DOCS)
    )


def test_blocks_are_valid_and_say_what_is_withheld() -> None:
    text = all_text(valid_blocks(driver_results_blocks(results(BUILD, DOCS, TOOLS, HIDDEN))))
    assert "Important and unsatisfied: build speed" in text
    assert "on-call load*: withheld (3 answers)" in text
    assert "1 domain withheld" in text
    assert "-0.3 since the last round" in text
    shift = SatisfactionShift("its requesters", 2.0, 3.4, 0.6, 0.2, 6, 7)
    outcome = Outcome(None, None, (DriverOutcome("build speed", (shift,)),))
    text = all_text(valid_blocks(outcome_blocks(outcome)))
    assert "build speed: its requesters 2.0 → 3.4 (+1.4; unsatisfied 60% → 20%)" in text
    empty = Outcome(None, None, (), "not tied to a driver")
    assert "not tied to a driver" in all_text(valid_blocks(outcome_blocks(empty)))
    assert driver_results_blocks(None) == []


def test_people_of_no_domain_are_not_left_recoverable() -> None:
    """Every domain big enough, 4 answers without one: whole − every domain would be
    those 4, so the smallest domain hides too (anonymity.visible_groups)."""
    shown = visible_groups({"a": 8, "b": 8, "c": 9, "d": 6}, 35, K)
    assert shown == frozenset({"a", "b", "c"})
    assert visible_groups({"a": 10, "b": 10}, 20, K) == frozenset({"a", "b"})
