"""The faster and leaner forms of the grouping steps give the very same numbers.

Each test spells out the earlier form (fresh arrays, ``np.add.at``, a full n × m mask)
and compares bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import normalize

from scoring.config import ThemeConfig
from scoring.embedding import fit_space, row_norms
from scoring.linkage import _structure
from scoring.neighbours import _cells, _top_k, neighbour_graph, symmetric_graph
from scoring.themes import smooth


def _unit(rows: int, dims: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return normalize(rng.standard_normal((rows, dims))).astype(np.float32)


def _old_smooth(
    vectors: np.ndarray, index: np.ndarray, similarity: np.ndarray, strength: float
) -> np.ndarray:
    weights = np.clip(similarity, 0.0, None) * (index >= 0) / index.shape[1]
    pulled = np.einsum("nk,nkd->nd", weights, vectors[np.maximum(index, 0)])
    length = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (normalize(vectors + strength * pulled) * length).astype(np.float32)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_smoothing_in_place_matches_fresh_arrays(seed: int) -> None:
    vectors = _unit(5000, 48, seed)
    vectors[::7] *= np.float32(0.6)  # shorter rows: unknown words
    rng = np.random.default_rng(seed)
    index = rng.integers(-1, len(vectors), (len(vectors), 6))
    similarity = rng.uniform(-0.2, 1.0, index.shape).astype(np.float32)
    for strength in (1.0, 0.5):
        assert np.array_equal(
            smooth(vectors, index, similarity, strength),
            _old_smooth(vectors, index, similarity, strength),
        )


def test_cells_sum_like_add_at() -> None:
    vectors = _unit(3000, 32, 5)
    centres, _ = _cells(vectors, 40, seed=3, rounds=1)
    # the earlier form of the one round: np.add.at over the first assignment
    rng = np.random.default_rng(3)
    start = vectors[np.sort(rng.choice(len(vectors), 40, replace=False))].copy()
    first = np.argmax(vectors @ start.T, axis=1)
    sums = np.zeros_like(start, dtype=np.float64)
    np.add.at(sums, first, vectors)
    empty = np.bincount(first, minlength=40) == 0
    sums[empty] = start[empty]
    assert np.array_equal(centres, normalize(sums).astype(np.float32))


def test_top_k_excludes_each_query_itself_like_a_full_mask() -> None:
    vectors = _unit(700, 16, 9)
    vectors[5] = vectors[6]  # an exact duplicate: the other one stays a neighbour
    rng = np.random.default_rng(9)
    candidates = np.sort(rng.choice(len(vectors), 400, replace=False))
    queries = np.sort(rng.choice(len(vectors), 300, replace=False))
    index, sims = _top_k(vectors, queries, candidates, 5)
    full = vectors[queries] @ vectors[candidates].T
    full[queries[:, None] == candidates[None, :]] = -np.inf
    best = np.lexsort((np.broadcast_to(candidates, full.shape), -full), axis=1)[:, :5]
    assert np.array_equal(index, candidates[best])
    assert np.array_equal(sims, np.take_along_axis(full, best, axis=1))
    assert not (index == queries[:, None]).any()


def test_linkage_structure_lists_each_pair_once_in_order() -> None:
    """Without anchors the first pass takes the pairs as the structure lists them,
    without ``np.unique``: they must already be distinct and increasing."""
    vectors = _unit(2000, 24, 4)
    index, similarity = neighbour_graph(vectors, 8, exact_up_to=500, seed=1)
    indptr, indices = _structure(symmetric_graph(index, similarity), len(vectors))
    rows = np.repeat(np.arange(len(vectors)), np.diff(indptr))
    keep = rows < indices
    pairs = rows[keep] * len(vectors) + indices[keep]
    assert np.array_equal(pairs, np.unique(pairs))


def test_row_norms_by_block_match_numpy() -> None:
    vectors = _unit(20000, 40, 11) * np.float32(1.7)
    assert np.array_equal(row_norms(vectors), np.linalg.norm(vectors, axis=1, keepdims=True))


def test_owned_embeddings_are_normalised_in_place_to_the_same_vectors() -> None:
    rng = np.random.default_rng(12)
    embeddings = rng.standard_normal((300, 24)).astype(np.float32)
    texts = [f"request {i} about topic {i % 7}" for i in range(300)]
    config = ThemeConfig(embedder=lambda t: np.zeros((len(t), 24), dtype=np.float32))
    _, copied = fit_space(texts, config, embeddings)
    given = embeddings.copy()
    _, owned = fit_space(texts, config, given, own=True)
    assert np.array_equal(copied, owned)
    assert not np.array_equal(given, embeddings)  # overwritten: it was ours to give
