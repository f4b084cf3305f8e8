"""Score components with worked examples a reader can check by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from scoring import Objective, RequestFact, ScoringConfig, ThemeFacts, VoteFact, score_theme
from scoring.components import demand, pain, recency, satisfaction, saturate

NOW = datetime(2025, 6, 1, 12, 0)
SPEED = Objective(
    "Faster time-to-market",
    "Ship features to customers faster with quicker builds and deploys",
    ("ci", "deploy", "pipeline", "build"),
    1.0,
)
COST = Objective("Lower cloud cost", "Reduce spend on compute and storage", ("cost",), 0.5)


def _request(who: str, domain: str | None = "data", pain: int | None = None, days: int = 0,
             objective: str | None = None) -> RequestFact:  # fmt: skip
    return RequestFact(who, domain, pain, NOW - timedelta(days=days), objective)


def _theme(requests: list[RequestFact], **kw: object) -> ThemeFacts:
    base = ThemeFacts(1, "Faster CI pipelines", "CI pipeline builds are slow", tuple(requests))
    return replace(base, **kw)  # type: ignore[arg-type]


def test_recency_halves_every_half_life() -> None:
    assert recency(NOW, NOW, 90) == 1.0
    assert recency(NOW - timedelta(days=90), NOW, 90) == pytest.approx(0.5)
    assert recency(NOW - timedelta(days=180), NOW, 90) == pytest.approx(0.25)


def test_saturate_is_half_at_the_half_point() -> None:
    assert saturate(0, 8) == 0
    assert saturate(8, 8) == 0.5
    assert saturate(24, 8) == 0.75  # diminishing returns: 3x the people, not 3x the value


def test_demand_worked_example() -> None:
    # 4 requesters today (one asks twice), 2 domains; one voter who also requested,
    # one new voter (counts 0.5). people = 4 + 0.5 = 4.5
    facts = _theme(
        [_request("a"), _request("a"), _request("b"), _request("c", "web"), _request("d", "web")],
        votes=(VoteFact("a", "data", NOW), VoteFact("e", "data", NOW)),
    )
    d = demand(facts, ScoringConfig(), NOW)
    assert d.people == pytest.approx(4.5)
    assert d.headcount == 5
    assert d.domains == 2
    # reach = 4.5 / (4.5 + 8) = 0.36; breadth = 2 / (2 + 2) = 0.5
    assert d.value == pytest.approx(0.65 * 0.36 + 0.35 * 0.5)


def test_breadth_five_domains_beat_one() -> None:
    one = _theme([_request(f"u{i}", "data") for i in range(5)])
    five = _theme([_request(f"u{i}", f"d{i}") for i in range(5)])
    config = ScoringConfig()
    assert demand(five, config, NOW).value > demand(one, config, NOW).value


def test_old_requests_count_less() -> None:
    fresh = _theme([_request("a", days=0)])
    old = _theme([_request("a", days=90)])
    config = ScoringConfig()
    assert demand(old, config, NOW).people == pytest.approx(0.5)
    assert demand(fresh, config, NOW).value > demand(old, config, NOW).value


def test_pain_maps_one_to_five_onto_zero_to_one() -> None:
    config = ScoringConfig()
    assert pain(_theme([_request("a", pain=5), _request("b", pain=4)]), config) == (4.5, 0.875)
    assert pain(_theme([_request("a")]), config) == (None, 0.5)  # default 3 → 0.5


def test_satisfaction_counts_unhappy_mentions() -> None:
    config = ScoringConfig()
    assert satisfaction(_theme([], pulse_mentions=0), config) == 0
    # 3 mentions, half point 3 → 0.5; sentiment -1 → unhappiness 1
    assert satisfaction(_theme([], pulse_mentions=3, pulse_mention_sentiment=-1.0), config) == 0.5
    assert satisfaction(_theme([], pulse_mentions=3), config) == 0.25  # unknown mood: 0.5


def test_alignment_uses_tags_and_text_and_objective_weight() -> None:
    tagged = _theme([_request("a", objective=SPEED.name), _request("b", objective=SPEED.name)])
    untagged = _theme([_request("a"), _request("b")])
    s_tagged = score_theme(tagged, [SPEED, COST], now=NOW)
    s_untagged = score_theme(untagged, [SPEED, COST], now=NOW)
    assert s_tagged.component("alignment").value > s_untagged.component("alignment").value
    assert s_tagged.objectives[0] == (SPEED.name, "strongly")
    assert s_untagged.component("alignment").value > 0  # text fit alone counts
    off_topic = replace(untagged, label="Dark mode", text="dark theme for the web console")
    assert score_theme(off_topic, [SPEED], now=NOW).component("alignment").value < 0.2


def test_default_total_is_the_sum_of_contributions() -> None:
    facts = _theme([_request("a", pain=5), _request("b", "web", pain=3)], effort="L",
                   confidence=0.5)  # fmt: skip
    score = score_theme(facts, [SPEED], now=NOW)
    assert score.total == pytest.approx(sum(c.contribution for c in score.components), abs=1e-5)
    weighted = sum(c.value * c.weight for c in score.components[:4])
    # confidence 0.5, effort L (size 4): total = weighted × 0.5 / 4^0.5
    assert score.total == pytest.approx(weighted * 0.5 / 2, abs=1e-5)


def test_why_reads_like_a_sentence() -> None:
    facts = _theme(
        [_request(f"u{i}", f"d{i % 4}", pain=5, objective=SPEED.name) for i in range(14)],
        effort="S",
    )
    why = score_theme(facts, [SPEED], now=NOW).why
    assert (
        why
        == "14 people in 4 domains, serves 'Faster time-to-market' strongly, high pain, effort S"
    )


def test_rice_worked_example() -> None:
    # reach 2 people today; pain 5 → 1, alignment 0 (no objectives) → impact 0.25 + 2.75 × 0.5
    facts = _theme([_request("a", pain=5), _request("b", pain=5)], effort="M", confidence=1.0)
    score = score_theme(facts, [], ScoringConfig(framework="rice"), NOW)
    impact = 0.25 + 2.75 * 0.5
    assert score.total == pytest.approx(2 * impact * 1.0 / 2.0, abs=1e-5)


def test_wsjf_worked_example() -> None:
    facts = _theme([_request("a", pain=5)], effort="S")
    score = score_theme(facts, [], ScoringConfig(framework="wsjf"), NOW)
    d = demand(facts, ScoringConfig(), NOW).value
    # cost of delay = 10·demand + 10·pain(1.0) + 10·alignment(0); job size S = 1
    assert score.total == pytest.approx(10 * d + 10, abs=1e-5)


def test_scores_are_absolute() -> None:
    facts = _theme([_request("a", pain=4), _request("b", "web")])
    alone = score_theme(facts, [SPEED, COST], now=NOW)
    # scoring another theme first, or at all, cannot change this one
    score_theme(_theme([_request("z")] * 30, label="Other"), [SPEED, COST], now=NOW)
    assert score_theme(facts, [SPEED, COST], now=NOW) == alone


def test_needs_now() -> None:
    with pytest.raises(ValueError, match="now"):
        score_theme(_theme([_request("a")]), [])
