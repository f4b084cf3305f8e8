"""Average linkage against a plain reference: the most similar allowed pair joins first.

The reference recomputes every pair's average from the members themselves at every
step (cubic, fine for a few dozen rows). The fast implementation must give the same
labels, including the tie-breaks, with and without anchors.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.preprocessing import normalize

from scoring.linkage import average_linkage
from scoring.neighbours import neighbour_graph, symmetric_graph


def reference_linkage(
    vectors: np.ndarray, graph: sparse.csr_matrix, threshold: float, anchors: np.ndarray | None
) -> list[int]:
    """Greedy average linkage, spelled out: labels numbered by each group's first row."""
    n = len(vectors)
    upper = sparse.triu(sparse.coo_matrix(graph), k=1).tocoo()
    near: dict[int, set[int]] = {i: set() for i in range(n)}
    for r, c in zip(upper.row.tolist(), upper.col.tolist(), strict=True):
        near[r].add(c)
        near[c].add(r)
    members = {i: [i] for i in range(n)}
    anchor = {i: -1 if anchors is None else int(anchors[i]) for i in range(n)}

    def join(a: int, b: int) -> int:
        if len(near[a]) < len(near[b]):  # the documented survivor: more neighbours
            a, b = b, a
        gone = near.pop(b)
        near[a] = (near[a] | gone) - {a, b}
        for other in gone - {a}:
            near[other] = (near[other] - {b}) | {a}
        members[a] += members.pop(b)
        anchor[a] = max(anchor[a], anchor.pop(b))
        return a

    def average(a: int, b: int) -> float:
        return float(np.mean(vectors[members[a]] @ vectors[members[b]].T))

    first: dict[int, int] = {}
    for row in range(n):
        if anchor.get(row, -1) >= 0:
            key = anchor[row]
            first[key] = join(first[key], row) if key in first else row
    while True:
        candidates = [
            (-average(a, b), a, b)
            for a in near
            for b in near[a]
            if a < b and (anchor[a] < 0 or anchor[b] < 0 or anchor[a] == anchor[b])
        ]
        allowed = [c for c in candidates if -c[0] >= threshold]
        if not allowed:
            break
        _, a, b = min(allowed)
        join(a, b)
    label_of: dict[int, int] = {}
    for number, group in enumerate(sorted(members, key=lambda g: min(members[g]))):
        for row in members[group]:
            label_of[row] = number
    return [label_of[row] for row in range(n)]


def _case(
    seed: int, anchored: bool
) -> tuple[np.ndarray, sparse.csr_matrix, float, np.ndarray | None]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    vectors = normalize(rng.standard_normal((n, int(rng.integers(2, 6)))))
    graph = symmetric_graph(*neighbour_graph(vectors, int(rng.integers(1, 8))))
    threshold = float(rng.uniform(-0.2, 0.9))
    anchors = None
    if anchored:
        anchors = np.where(rng.random(n) < 0.3, rng.integers(0, 4, n), -1)
    return vectors, graph, threshold, anchors


@pytest.mark.parametrize("anchored", [False, True])
def test_same_labels_as_the_reference_on_random_inputs(anchored: bool) -> None:
    for seed in range(25):
        vectors, graph, threshold, anchors = _case(seed, anchored)
        expected = reference_linkage(vectors, graph, threshold, anchors)
        assert average_linkage(vectors, graph, threshold, anchors).tolist() == expected, seed


@pytest.mark.parametrize("anchored", [False, True])
def test_same_tie_breaks_as_the_reference(anchored: bool) -> None:
    # axis vectors and their duplicates: every average is a small fraction, so many pairs
    # tie exactly and the order of joins decides the result
    for seed in range(25):
        rng = np.random.default_rng(1000 + seed)
        n = int(rng.integers(2, 40))
        vectors = np.eye(4)[rng.integers(0, 4, n)]
        vectors[rng.random(n) < 0.3] = normalize(np.ones((1, 4)))
        vectors = normalize(np.round(vectors * 4) / 4)
        dense = rng.random((n, n)) < 0.25
        graph = sparse.csr_matrix(np.triu(dense | dense.T, k=1).astype(float))
        graph = (graph + graph.T).tocsr()
        threshold = float(rng.choice([0.0, 0.25, 0.5, 0.75]))
        anchors = np.where(rng.random(n) < 0.3, rng.integers(0, 3, n), -1) if anchored else None
        expected = reference_linkage(vectors, graph, threshold, anchors)
        assert average_linkage(vectors, graph, threshold, anchors).tolist() == expected, seed
