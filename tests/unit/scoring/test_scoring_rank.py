"""Ranking and trend markers against the previous snapshot."""

from __future__ import annotations

from scoring import ThemeScore, Trend, rank, snapshot


def _score(theme_id: int, total: float) -> ThemeScore:
    return ThemeScore(theme_id, total, (), "")


def test_rank_highest_first_ties_by_id() -> None:
    ranking = rank([_score(3, 0.5), _score(1, 0.9), _score(2, 0.5)])
    assert [(r.theme_id, r.position) for r in ranking] == [(1, 1), (2, 2), (3, 3)]
    assert all(r.trend.marker == "new" for r in ranking)


def test_trend_against_previous_snapshot() -> None:
    previous = {1: 3, 2: 1, 3: 2}
    ranking = rank([_score(1, 0.9), _score(2, 0.5), _score(3, 0.7), _score(4, 0.1)], previous)
    markers = {r.theme_id: r.trend.marker for r in ranking}
    assert markers == {1: "▲2", 3: "=", 2: "▼2", 4: "new"}
    assert snapshot(ranking) == {1: 1, 3: 2, 2: 3, 4: 4}


def test_trend_markers() -> None:
    assert Trend("up", 3).marker == "▲3"
    assert Trend("down", 1).marker == "▼1"
    assert Trend("same").marker == "="
    assert Trend("new").marker == "new"
