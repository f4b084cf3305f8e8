"""Nearest neighbours of unit vectors, as a sparse graph (never a dense n×n matrix).

Up to a few tens of thousands of rows the search is exact, one block of rows at a
time. Beyond that it uses inverted lists: a k-means over the vectors cuts the space
into cells, and each row is compared only with the rows of the few cells nearest to
its own. That makes the cost about ``n × (n / cells) × probes`` instead of ``n²``,
at the price of missing a few far-off neighbours, which would not be grouped anyway.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

_BLOCK = 2048


def neighbour_graph(
    vectors: np.ndarray, k: int, *, exact_up_to: int = 20_000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and similarities of each row's ``k`` nearest other rows.

    Returns ``(index, similarity)``, both of shape (n, k'), k' = min(k, n - 1), best
    first. Missing neighbours (approximate search) have index -1 and similarity 0.
    """
    n = vectors.shape[0]
    k = min(k, n - 1)
    if k <= 0:
        return np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0), dtype=np.float32)
    if n <= exact_up_to:
        rows = np.arange(n)
        return _top_k(vectors, rows, rows, k)
    return _inverted_lists(vectors, k, seed)


def symmetric_graph(index: np.ndarray, similarity: np.ndarray) -> sparse.csr_matrix:
    """The union of the neighbour lists as a symmetric sparse matrix of similarities."""
    n = index.shape[0]
    rows = np.repeat(np.arange(n), index.shape[1])
    cols = index.ravel()
    data = similarity.ravel().astype(np.float64)
    keep = cols >= 0
    graph = sparse.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=(n, n))
    return graph.maximum(graph.T).tocsr()


def _top_k(
    vectors: np.ndarray, queries: np.ndarray, candidates: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of each query row among candidate rows (excluding itself)."""
    out_index = np.full((len(queries), k), -1, dtype=np.int64)
    out_sim = np.zeros((len(queries), k), dtype=np.float32)
    cand_vectors = vectors[candidates]
    take = min(k, len(candidates) - 1)
    if take <= 0:
        return out_index, out_sim
    for start in range(0, len(queries), _BLOCK):
        block = queries[start : start + _BLOCK]
        sims = vectors[block] @ cand_vectors.T
        # a row must not be its own neighbour
        same = block[:, None] == candidates[None, :]
        sims[same] = -np.inf
        part = np.argpartition(-sims, take - 1, axis=1)[:, :take]
        part_sims = np.take_along_axis(sims, part, axis=1)
        # order best first, ties on the smaller candidate index (deterministic)
        order = np.lexsort((candidates[part], -part_sims), axis=1)
        part = np.take_along_axis(part, order, axis=1)
        out_index[start : start + len(block), :take] = candidates[part]
        out_sim[start : start + len(block), :take] = np.take_along_axis(sims, part, axis=1)
    return out_index, out_sim


def _inverted_lists(vectors: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    n = vectors.shape[0]
    cells = max(16, int(np.sqrt(n)))
    probes = 6
    centres, cell_of = _cells(vectors, cells, seed)
    near_cells = np.argsort(-(centres @ centres.T), axis=1)[:, :probes]
    members = [np.flatnonzero(cell_of == c) for c in range(cells)]
    out_index = np.full((n, k), -1, dtype=np.int64)
    out_sim = np.zeros((n, k), dtype=np.float32)
    for cell in range(cells):
        queries = members[cell]
        if len(queries) == 0:
            continue
        candidates = np.sort(np.concatenate([members[c] for c in near_cells[cell]]))
        index, sims = _top_k(vectors, queries, candidates, k)
        out_index[queries] = index
        out_sim[queries] = sims
    return out_index, out_sim


def _cells(
    vectors: np.ndarray, cells: int, seed: int, rounds: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """A coarse spherical k-means: seeded random rows as centres, a couple of rounds.

    The cells only need to be roughly right: probing several cells per row covers
    the borders. Full k-means would cost more than the search it speeds up.
    """
    rng = np.random.default_rng(seed)
    centres = vectors[np.sort(rng.choice(len(vectors), cells, replace=False))].copy()
    cell_of = np.zeros(len(vectors), dtype=np.int64)
    for round_ in range(rounds + 1):
        for start in range(0, len(vectors), _BLOCK * 4):
            block = vectors[start : start + _BLOCK * 4]
            cell_of[start : start + len(block)] = np.argmax(block @ centres.T, axis=1)
        if round_ == rounds:
            break
        sums = np.zeros_like(centres, dtype=np.float64)
        np.add.at(sums, cell_of, vectors)
        empty = np.bincount(cell_of, minlength=cells) == 0
        sums[empty] = centres[empty]
        centres = normalize(sums).astype(np.float32)
    return centres, cell_of
