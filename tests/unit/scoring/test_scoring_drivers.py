"""The drivers component (scoring/drivers.py) on the worked example of docs/scoring.md."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from scoring import DriverGap, RequestFact, ScoringConfig, ThemeFacts, score_theme
from scoring.drivers import gap, rank_words, suggested

NOW = datetime(2026, 6, 1, tzinfo=UTC)
BUILD = DriverGap("build speed", unsatisfied=0.6, importance=4.5, importance_rank=1)
DOCS = DriverGap("documentation", unsatisfied=0.4, importance=3.5, importance_rank=3)


def facts(*drivers: DriverGap, theme_id: int = 1) -> ThemeFacts:
    requests = tuple(RequestFact(f"U{n}", "platform", 4, NOW) for n in range(4))
    return ThemeFacts(theme_id, "Remote build cache", "faster CI builds", requests, drivers=drivers)


def test_the_worked_example() -> None:
    score = score_theme(facts(BUILD, DOCS), [], now=NOW)
    part = score.component("drivers")
    # build speed: 4.5 / 5 × 0.6 = 0.54; documentation: 3.5 / 5 × 0.4 = 0.28; the larger
    assert part.value == pytest.approx(0.54)
    assert part.weight == 0.15
    assert part.contribution == pytest.approx(0.081)
    assert part.detail.startswith("'build speed' gap 0.54 (importance 4.5/5 × 60% unsatisfied)")
    assert "'documentation' gap 0.28" in part.detail
    assert "addresses 'build speed', where 60% are unsatisfied and it ranks most important" in (
        score.why
    )
    without = score_theme(facts(), [], now=NOW)
    assert score.total == pytest.approx(without.total + 0.081)
    assert sum(c.contribution for c in score.components) == pytest.approx(score.total)


def test_no_component_without_a_tied_driver() -> None:
    score = score_theme(facts(), [], now=NOW)
    assert [c.name for c in score.components] == ["demand", "pain", "alignment", "satisfaction"]
    assert "addresses" not in score.why


def test_absolute_other_themes_change_nothing() -> None:
    """A theme's drivers component reads only its own ties and the published figures."""
    alone = score_theme(facts(BUILD), [], now=NOW)
    other = score_theme(facts(DOCS, theme_id=2), [], now=NOW)
    again = score_theme(facts(BUILD), [], now=NOW)
    assert alone == again
    assert other.total != alone.total


def test_gap_and_words() -> None:
    assert gap(5, 1.0) == 1.0
    assert gap(1, 0.0) == 0.0
    assert gap(7, 2.0) == 1.0  # clipped
    assert rank_words(1) == "ranks most important"
    assert rank_words(2) == "ranks 2nd most important"
    assert rank_words(11) == "ranks 11th most important"
    unranked = replace(BUILD, importance_rank=None)
    why = score_theme(facts(unranked), [], now=NOW).why
    assert "its importance is 4.5/5" in why


def test_suggestion_by_meaning_at_a_fixed_threshold() -> None:
    config = ScoringConfig()
    theme = np.array([1.0, 0.0], dtype=np.float32)
    assert suggested(theme, np.array([1.0, 0.0], dtype=np.float32), config)
    assert not suggested(theme, np.array([0.0, 1.0], dtype=np.float32), config)
    assert not suggested(None, theme, config)
