"""Smoothing leans a request on its nearest few neighbours in a small backlog, and on all
of them in a large one (docs/scoring.md, "Neighbours")."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import normalize

from scoring import ThemeConfig
from scoring.neighbours import neighbour_graph
from scoring.themes import smooth, smooth_towards_nearest


def _two_themes(small: int, large: int, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """``small`` requests about one thing and ``large`` about a related other thing."""
    rng = np.random.default_rng(seed)
    first = np.zeros(16)
    first[0] = 1.0
    second = np.zeros(16)
    second[:2] = (0.5, 0.87)
    rows = np.vstack(
        [
            first + 0.1 * rng.standard_normal((small, 16)),
            second + 0.1 * rng.standard_normal((large, 16)),
        ]
    )
    return normalize(rows).astype(np.float32), normalize(second[None, :])[0]


def test_the_neighbour_count_grows_with_the_backlog() -> None:
    config = ThemeConfig()
    assert [config.smoothing_neighbours(n) for n in (10, 308, 1_500, 3_000, 6_000, 100_000)] == [
        3,
        3,
        5,
        10,
        20,
        20,
    ]


def test_a_small_theme_in_a_small_backlog_is_not_pulled_towards_the_big_one() -> None:
    vectors, other = _two_themes(small=4, large=40)
    index, similarity = neighbour_graph(vectors, 20)
    config = ThemeConfig()
    # each of the 4 has its 3 fellows nearest, then 17 of the other theme
    leaning = smooth_towards_nearest(vectors, index, similarity, config, len(vectors))
    on_all_twenty = smooth(vectors, index, similarity, 1.0)  # the rule before
    own = normalize(vectors[:4].sum(axis=0)[None, :])[0]
    assert np.all(leaning[:4] @ own > vectors[:4] @ own)  # towards its fellows
    # and far less towards the other theme than when leaning on all 20
    pulled = (leaning[:4] - vectors[:4]) @ other
    pulled_before = (on_all_twenty[:4] - vectors[:4]) @ other
    assert np.all(pulled < pulled_before / 2)


def test_a_large_backlog_leans_on_all_twenty_as_before() -> None:
    vectors, _ = _two_themes(small=3_000, large=3_000)
    index, similarity = neighbour_graph(vectors, 20)
    config = ThemeConfig()
    assert np.array_equal(
        smooth_towards_nearest(vectors, index, similarity, config, len(vectors)),
        smooth(vectors, index, similarity, config.smoothing),
    )
