"""Average-linkage clustering guided by a sparse neighbour graph, stopped at a threshold.

Why not scikit-learn's ``AgglomerativeClustering``: without a connectivity graph it
needs the dense n×n distance matrix (80 GB at 100k requests); with one it "completes"
a disconnected graph pair by pair, which is quadratic in the number of components.

The trick that keeps this exact and cheap: for unit vectors, the average cosine
similarity between every member of group A and every member of group B equals
``sum(A) · sum(B) / (|A| × |B|)``. So each group only needs the sum of its vectors,
and the average similarity of two groups costs one dot product. The neighbour graph
only says which groups are worth comparing (groups that share no neighbour edge are
never merged). Groups keep joining, most similar pair first, while their average
similarity is at least the threshold.
"""

from __future__ import annotations

import heapq

import numpy as np
from scipy import sparse


def average_linkage(
    vectors: np.ndarray,
    graph: sparse.spmatrix | sparse.sparray,
    threshold: float,
    anchors: np.ndarray | None = None,
) -> np.ndarray:
    """Cluster labels (0..k-1, numbered by first member) of L2-normalised ``vectors``.

    ``graph`` is a symmetric neighbour graph (non-zero = worth comparing).
    ``anchors`` (optional, -1 = free) fixes rows to a group a PM decided: rows with the
    same anchor start as one group, and groups with different anchors never join.
    Deterministic: ties break on the smaller row index.
    """
    return _Linkage(vectors, graph, threshold, anchors).run()


class _Linkage:
    """The state of one clustering run: group sums, sizes and neighbour sets."""

    def __init__(
        self,
        vectors: np.ndarray,
        graph: sparse.spmatrix | sparse.sparray,
        threshold: float,
        anchors: np.ndarray | None,
    ) -> None:
        n = vectors.shape[0]
        self.threshold = threshold
        self.sums = np.array(vectors, dtype=np.float64, copy=True)
        self.size = np.ones(n, dtype=np.int64)
        self.anchor = (
            np.full(n, -1, dtype=np.int64) if anchors is None else np.asarray(anchors).copy()
        )
        self.parent = list(range(n))
        self.version = [0] * n  # bumps when a group changes, to drop stale heap entries
        self.stamps: dict[tuple[int, int], tuple[int, int]] = {}
        self.heap: list[tuple[float, int, int]] = []
        coo = sparse.triu(sparse.coo_matrix(graph), k=1).tocoo()
        self.neighbours: list[set[int] | None] = [set() for _ in range(n)]
        for r, c in zip(coo.row.tolist(), coo.col.tolist(), strict=True):
            self.neighbours[r].add(c)  # type: ignore[union-attr]
            self.neighbours[c].add(r)  # type: ignore[union-attr]

    def run(self) -> np.ndarray:
        self._join_anchored()
        for group, near in enumerate(self.neighbours):
            if near:
                self._push_pairs(group, [o for o in near if o > group])
        while self.heap:
            _, a, b = heapq.heappop(self.heap)
            if self.neighbours[a] is None or self.neighbours[b] is None:
                continue  # one side was merged away since this entry was pushed
            if self.stamps.get((a, b)) != (self.version[a], self.version[b]):
                continue  # stale: one side grew since
            survivor = self._merge(a, b)
            near = self.neighbours[survivor]
            assert near is not None
            self._push_pairs(survivor, list(near))
        return _labels(self.parent)

    def _join_anchored(self) -> None:
        first: dict[int, int] = {}
        for row, anchor in enumerate(self.anchor.tolist()):
            if anchor < 0:
                continue
            if anchor in first:
                first[anchor] = self._merge(first[anchor], row)
            else:
                first[anchor] = row

    def _merge(self, a: int, b: int) -> int:
        """Join groups a and b; the one with more neighbours survives. Returns it."""
        near_a, near_b = self.neighbours[a], self.neighbours[b]
        assert near_a is not None
        assert near_b is not None
        if len(near_a) < len(near_b):
            a, b, near_a, near_b = b, a, near_b, near_a
        near_a.discard(b)
        near_b.discard(a)
        for other in near_b:
            near_other = self.neighbours[other]
            assert near_other is not None
            near_other.discard(b)
            near_other.add(a)
            near_a.add(other)
        self.neighbours[b] = None
        self.parent[b] = a
        self.sums[a] += self.sums[b]
        self.size[a] += self.size[b]
        self.anchor[a] = max(self.anchor[a], self.anchor[b])
        self.version[a] += 1
        return a

    def _push_pairs(self, group: int, others: list[int]) -> None:
        """Queue the pairs (group, other) whose average similarity clears the threshold."""
        if not others:
            return
        idx = np.asarray(others, dtype=np.int64)
        avg = (self.sums[idx] @ self.sums[group]) / (self.size[idx] * self.size[group])
        own_anchor = self.anchor[group]
        for other, value in zip(others, avg.tolist(), strict=True):
            if value < self.threshold:
                continue
            other_anchor = self.anchor[other]
            if own_anchor >= 0 and other_anchor >= 0 and own_anchor != other_anchor:
                continue  # a PM kept these apart
            key = (group, other) if group < other else (other, group)
            self.stamps[key] = (self.version[key[0]], self.version[key[1]])
            heapq.heappush(self.heap, (-value, key[0], key[1]))


def _labels(parent: list[int]) -> np.ndarray:
    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    roots = np.array([root(i) for i in range(len(parent))])
    _, first_index, inverse = np.unique(roots, return_index=True, return_inverse=True)
    rank = np.empty(len(first_index), dtype=np.int64)
    rank[np.argsort(first_index)] = np.arange(len(first_index))
    return rank[inverse]
