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

**Why it stays fast when a group grows to thousands.** Re-queueing every pair of a
group each time it absorbs one more request is quadratic in the group's size (at 100k
requests that took 90 of 117 s). Instead each group keeps one queue entry: its best
partner, computed over all its neighbours at once with numpy. A merged group computes
its best afresh. A group whose cached partner has since changed is not touched until
its entry reaches the top of the queue; only then is its best recomputed and re-queued.

Why that still merges exactly the pair the plain greedy algorithm would: every valid
pair (x, y) is covered by an entry computed when x and y were both as they are now
(the later of the two to change computed its best over all its neighbours, y
included), and that entry sorts no later than the pair itself (a best is at least as
similar, and ties go to the smaller pair). So when the top entry is still current
(neither its group nor its partner changed since), nothing sorts before its pair: it is
the most similar pair overall, with the same tie-break. A stale entry sorts no later
than the pairs it covers, so recomputing it late loses nothing. Reducibility of average
linkage (``sim(C, A∪B)`` is a weighted mean of ``sim(C, A)`` and ``sim(C, B)``) is why
few entries go stale in practice: a merge rarely makes its neighbours' best partner
better, so they are rarely popped before the merge they wait for.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

#: A queue entry: (-similarity, smaller id, larger id, group, its version, partner,
#: partner's version). The first three make the plain algorithm's order.
_Entry = tuple[float, int, int, int, int, int, int]


def average_linkage(
    vectors: NDArray[np.float32],
    graph: sparse.spmatrix | sparse.sparray,
    threshold: float,
    anchors: NDArray[np.integer[Any]] | None = None,
) -> NDArray[np.int64]:
    """Cluster labels (0..k-1, numbered by first member) of L2-normalised ``vectors``.

    ``graph`` is a symmetric neighbour graph (non-zero = worth comparing).
    ``anchors`` (optional, -1 = free) fixes rows to a group a PM decided: rows with the
    same anchor start as one group, and groups with different anchors never join.
    Deterministic: of equally similar pairs, the one with the smaller (smaller id,
    larger id) joins first; a group's id is that of its survivor, the side with more
    neighbours (the smaller id on a tie).
    """
    return _Linkage(vectors, graph, threshold, anchors).run()


class _Linkage:
    """The state of one clustering run: group sums, sizes, neighbour sets, best partners."""

    def __init__(
        self,
        vectors: NDArray[np.float32],
        graph: sparse.spmatrix | sparse.sparray,
        threshold: float,
        anchors: NDArray[np.integer[Any]] | None,
    ) -> None:
        n = vectors.shape[0]
        self.threshold = threshold
        self.sums = _Sums(vectors)
        self.size = np.ones(n, dtype=np.float64)
        self.anchor = (
            np.full(n, -1, dtype=np.int64)
            if anchors is None
            else np.array(anchors, dtype=np.int64, copy=True)
        )
        self.parent = list(range(n))
        self.version = [0] * n  # bumps when a group grows; a dead group is None below
        self.heap: list[_Entry] = []
        self.anchored = bool((self.anchor >= 0).any())
        self.edges = _structure(graph, n)
        self.neighbours: list[set[int] | None] = []

    def run(self) -> NDArray[np.int64]:
        # the neighbour sets are the run's largest Python objects: without anchors they
        # are built after the first pass, so its temporary arrays are gone by then
        if self.anchored:
            self._build_sets()
            self._join_anchored()
            self._queue_all()
        else:
            self._queue_all()
            self._build_sets()
        del self.edges
        heap = self.heap
        version = self.version
        neighbours = self.neighbours
        while heap:
            _, lo, hi, group, group_version, partner, partner_version = heapq.heappop(heap)
            if neighbours[group] is None or version[group] != group_version:
                continue  # merged away, or grown (it queued a fresh entry then)
            if neighbours[partner] is None or version[partner] != partner_version:
                self._queue_best(group)  # the partner changed: find the best again
                continue
            self._queue_best(self._merge(lo, hi))
        return _labels(self.parent)

    def _build_sets(self) -> None:
        indptr, indices = self.edges
        # the sets share one int object per group: ``tolist()`` would make a fresh one per
        # edge (28 bytes each, ~90 MB at 100k requests)
        ints = list(range(len(indptr) - 1))
        self.neighbours = [
            set(map(ints.__getitem__, indices[indptr[i] : indptr[i + 1]].tolist()))
            for i in range(len(indptr) - 1)
        ]

    def _join_anchored(self) -> None:
        first: dict[int, int] = {}
        for row, anchor in enumerate(self.anchor.tolist()):
            if anchor < 0:
                continue
            if anchor in first:
                first[anchor] = self._merge(first[anchor], row)
            else:
                first[anchor] = row

    def _queue_all(self) -> None:
        """Every group's best partner, from one vectorised pass over the graph's edges."""
        root = np.array(self.parent, dtype=np.int64)
        while True:  # pointer jumping: after the anchored joins, each row's group
            up = root[root]
            if np.array_equal(up, root):
                break
            root = up
        indptr, indices = self.edges
        a = root[np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))]
        b = root[indices]
        keep = a < b  # each pair of groups once; a group is not its own neighbour
        pairs = a[keep] * len(root) + b[keep]
        del keep
        if self.anchored:  # rows joined by an anchor share a group: a pair may repeat
            pairs = np.unique(pairs)
        # else each row is its own group, and the structure's rows (in order, columns
        # sorted and distinct) already list each pair once, in increasing order
        a, b = np.divmod(pairs, len(root))
        del pairs
        values = np.empty(len(a), dtype=np.float64)
        step = 4096  # small blocks: the gathered rows stay in cache, no big allocations
        for start in range(0, len(a), step):
            r, c = a[start : start + step], b[start : start + step]
            values[start : start + step] = np.einsum(
                "ij,ij->i", self.sums.rows(r), self.sums.rows(c)
            ) / (self.size[r] * self.size[c])
        ok = values >= self.threshold
        if self.anchored:
            ok &= (self.anchor[a] < 0) | (self.anchor[b] < 0) | (self.anchor[a] == self.anchor[b])
        a, b, values = a[ok], b[ok], values[ok]
        # both directions; per group the largest value, ties on the smaller partner
        group = np.concatenate([a, b])
        partner = np.concatenate([b, a])
        values = np.concatenate([values, values])
        del a, b
        order = np.lexsort((partner, -values, group))
        ordered = group[order]
        first = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(group) else group
        del ordered
        first = order[first]  # each group's first entry, in the unsorted arrays
        del order
        self.heap = [
            self._entry(v, g, o)
            for g, o, v in zip(
                group[first].tolist(), partner[first].tolist(), values[first].tolist(), strict=True
            )
        ]
        heapq.heapify(self.heap)

    def _queue_best(self, group: int) -> None:
        """Queue ``group``'s most similar neighbour that it may join, if any."""
        near = self.neighbours[group]
        if not near:
            return
        idx = np.fromiter(near, dtype=np.int64, count=len(near))
        values = (self.sums.rows(idx) @ self.sums.row(group)) / (self.size[idx] * self.size[group])
        own = self.anchor[group]
        if self.anchored and own >= 0:
            other = self.anchor[idx]
            values[(other >= 0) & (other != own)] = -np.inf  # a PM kept these apart
        best = values.max()
        if best < self.threshold:
            return
        partner = int(idx[values == best].min())
        heapq.heappush(self.heap, self._entry(float(best), group, partner))

    def _entry(self, similarity: float, group: int, partner: int) -> _Entry:
        """The queue entry of ``group``'s best ``partner``, as both are now."""
        version = self.version
        low, high = min(group, partner), max(group, partner)
        return (-similarity, low, high, group, version[group], partner, version[partner])

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
        near_a |= near_b
        self.neighbours[b] = None
        self.parent[b] = a
        self.sums.join(a, b)
        self.size[a] += self.size[b]
        self.anchor[a] = max(self.anchor[a], self.anchor[b])
        self.version[a] += 1
        return a


class _Sums:
    """Each group's sum of vectors, in float64, without copying every row.

    A group of one row sums to that row: it is read from ``vectors`` (float32 → float64
    is exact). Only a group that has grown gets a float64 row of its own, so memory
    follows the number of merged groups, not n × dimensions (410 MB at 100k × 512).
    """

    def __init__(self, vectors: NDArray[np.float32]) -> None:
        self.vectors = vectors
        self.slot = np.full(vectors.shape[0], -1, dtype=np.int64)
        self.own = np.zeros((16, vectors.shape[1]), dtype=np.float64)
        self.free: list[int] = []
        self.used = 0

    def rows(self, idx: NDArray[np.integer[Any]]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = self.vectors[idx].astype(np.float64)
        slots = self.slot[idx]
        grown = slots >= 0
        if grown.any():
            out[grown] = self.own[slots[grown]]
        return out

    def row(self, group: int) -> NDArray[np.float64]:
        slot = self.slot[group]
        row: NDArray[np.float64] = (
            self.own[slot] if slot >= 0 else self.vectors[group].astype(np.float64)
        )
        return row

    def join(self, a: int, b: int) -> None:
        """Add group b's sum to group a's; b is gone."""
        if self.slot[a] < 0:
            self.slot[a] = self._new_slot()
            self.own[self.slot[a]] = self.vectors[a]
        self.own[self.slot[a]] += self.row(b)
        if self.slot[b] >= 0:
            self.free.append(int(self.slot[b]))
            self.slot[b] = -1

    def _new_slot(self) -> int:
        if self.free:
            return self.free.pop()
        if self.used == len(self.own):
            grown = np.zeros((2 * len(self.own), self.own.shape[1]), dtype=np.float64)
            grown[: self.used] = self.own
            self.own = grown
        self.used += 1
        return self.used - 1


def _structure(
    graph: sparse.spmatrix | sparse.sparray, n: int
) -> tuple[NDArray[np.signedinteger[Any]], NDArray[np.signedinteger[Any]]]:
    """Each row's neighbours as CSR ``(indptr, indices)``: the graph's entries above the
    diagonal, both ways."""
    upper = sparse.triu(sparse.coo_matrix(graph), k=1).tocoo()
    rows = np.concatenate([upper.row, upper.col]).astype(np.int64)
    cols = np.concatenate([upper.col, upper.row]).astype(np.int64)
    structure = sparse.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    return structure.indptr, structure.indices


def _labels(parent: list[int]) -> NDArray[np.int64]:
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
