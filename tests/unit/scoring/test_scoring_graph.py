"""Neighbour graph and average linkage, on vectors small enough to check by hand."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import normalize

from scoring.linkage import average_linkage
from scoring.neighbours import neighbour_graph, symmetric_graph


def _unit(rows: list[list[float]]) -> np.ndarray:
    return normalize(np.array(rows, dtype=np.float32))


# a and b are 0.8 alike; c is 0.6 like a and 0.0 like b (check: dot products of rows)
VECTORS = _unit([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.6, -0.8, 0.0], [0.0, 0.0, 1.0]])


def _graph(vectors: np.ndarray, k: int = 3):  # type: ignore[no-untyped-def]
    return symmetric_graph(*neighbour_graph(vectors, k))


def test_average_linkage_joins_while_the_average_clears_the_threshold() -> None:
    # a+b join at 0.8; then c vs {a, b} averages (0.6 + 0.0) / 2 = 0.3
    assert average_linkage(VECTORS, _graph(VECTORS), 0.5).tolist() == [0, 0, 1, 2]
    assert average_linkage(VECTORS, _graph(VECTORS), 0.3).tolist() == [0, 0, 0, 1]
    assert average_linkage(VECTORS, _graph(VECTORS), 0.9).tolist() == [0, 1, 2, 3]


def test_anchors_force_together_and_keep_apart() -> None:
    graph = _graph(VECTORS)
    # b is fixed to theme 7, a to theme 8: they may never join, whatever the similarity
    apart = average_linkage(VECTORS, graph, 0.5, np.array([8, 7, -1, -1]))
    assert apart[0] != apart[1]
    # b and d fixed to the same theme: together although they are not alike at all
    together = average_linkage(VECTORS, graph, 0.99, np.array([-1, 7, -1, 7]))
    assert together[1] == together[3]


def test_neighbours_best_first_and_never_itself() -> None:
    index, sims = neighbour_graph(VECTORS, 2)
    assert index[0].tolist() == [1, 2]
    assert sims[0].tolist() == [np.float32(0.8), np.float32(0.6)]
    assert all(i not in row for i, row in enumerate(index.tolist()))


def test_approximate_search_finds_the_obvious_neighbours() -> None:
    rng = np.random.default_rng(0)
    centres = normalize(rng.normal(size=(20, 16)))
    points = normalize(np.repeat(centres, 50, axis=0) + 0.05 * rng.normal(size=(1000, 16)))
    points = points.astype(np.float32)
    exact, _ = neighbour_graph(points, 5, exact_up_to=10_000)
    approx, _ = neighbour_graph(points, 5, exact_up_to=100)
    same_cluster = (approx // 50) == (np.arange(1000)[:, None] // 50)
    assert same_cluster.mean() > 0.95
    assert exact.shape == approx.shape
