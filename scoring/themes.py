"""Group requests into themes, keep theme ids stable, and describe each theme.

The pipeline: TF-IDF + LSA vectors (``scoring.text``) → a sparse neighbour graph
(``scoring.neighbours``) → each vector leans a little towards its neighbours
(smoothing) → average linkage on the graph, stopped at the similarity threshold
(``scoring.linkage``) → ids matched to the previous themes by overlap.

A PM's decisions are constraints, not hints: pinned requests and every request of a
locked theme are fixed to their theme before grouping starts, and two themes a PM
kept apart never join.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.preprocessing import normalize

from scoring.config import ThemeConfig
from scoring.embedding import VectorSpace, doc_embeddings, fit_space, row_norms
from scoring.labels import theme_label
from scoring.linkage import average_linkage
from scoring.models import RequestDoc, ThemeGroup, ThemeState
from scoring.neighbours import neighbour_graph, symmetric_graph

Progress = Callable[[int, int], None]

_STEPS = 5
_SMOOTH_BLOCK = 2048


@dataclass(frozen=True, slots=True)
class Grouping:
    """The raw result of grouping: the space, vectors and a label per row."""

    space: VectorSpace
    raw: NDArray[np.float32]  # unit vectors, one row per input
    vectors: NDArray[np.float32]  # the same, smoothed towards their neighbours
    labels: NDArray[np.int64]


def embed(
    texts: Sequence[str],
    config: ThemeConfig,
    progress: Progress | None,
    embeddings: Callable[[], NDArray[np.floating[Any]] | None],
    own: bool = False,
) -> tuple[
    VectorSpace, NDArray[np.float32], NDArray[np.float32], NDArray[np.int64], NDArray[np.float32]
]:
    """Fit the space; return it with raw vectors, smoothed vectors and neighbours.

    The space is TF-IDF + LSA, or sentence embeddings when ``config.embedder`` is set.
    ``embeddings()``: the texts' stored ones (so nothing is embedded again), asked for
    only when the space is fitted: an array made for this call (``cluster``'s) is then
    freed before the neighbour search, instead of staying alive through the linkage
    (150 MB at 100k requests). ``own``: the array is this call's to overwrite
    (normalised in place, not copied).
    """
    report = progress or (lambda done, total: None)
    report(0, _STEPS)
    space, vectors = fit_space(texts, config, embeddings(), own)
    report(1, _STEPS)
    index, similarity = neighbour_graph(
        vectors, config.neighbours, exact_up_to=config.exact_neighbours_up_to, seed=config.seed
    )
    report(2, _STEPS)
    smoothed = smooth_towards_nearest(vectors, index, similarity, config, len(texts))
    report(3, _STEPS)
    return space, vectors, smoothed, index, similarity


def group_texts(
    texts: Sequence[str],
    config: ThemeConfig,
    progress: Progress | None = None,
    embeddings: NDArray[np.floating[Any]] | None = None,
) -> Grouping:
    """Group ``texts``; ``embeddings``: their stored sentence embeddings, one row each."""
    space, vectors, smoothed, index, similarity = embed(texts, config, progress, lambda: embeddings)
    graph = symmetric_graph(index, similarity)
    labels = average_linkage(smoothed, graph, config.grouping_threshold())
    if progress:
        progress(4, _STEPS)
    return Grouping(space, vectors, smoothed, labels)


def _smoothed_graph(
    texts: Sequence[str],
    config: ThemeConfig,
    progress: Progress | None,
    embeddings: Callable[[], NDArray[np.floating[Any]] | None],
) -> tuple[VectorSpace, NDArray[np.float32], sparse.csr_matrix]:
    """What ``cluster`` needs for the linkage and the labels: the space, the smoothed
    vectors and the neighbour graph. The raw vectors and neighbour lists are freed here,
    before the linkage (230 MB at 100k requests). ``embeddings`` must return a fresh
    array (``doc_embeddings``): it is normalised in place."""
    space, _, smoothed, index, similarity = embed(texts, config, progress, embeddings, own=True)
    return space, smoothed, symmetric_graph(index, similarity)


def smooth_towards_nearest(
    vectors: NDArray[np.float32],
    index: NDArray[np.integer[Any]],
    similarity: NDArray[np.float32],
    config: ThemeConfig,
    backlog: int,
    neighbours: NDArray[np.float32] | None = None,
) -> NDArray[np.float32]:
    """:func:`smooth` as grouping does it: towards the nearest
    ``config.smoothing_neighbours(backlog)`` neighbours only (``index`` lists them best
    first), each pulling with at most ``config.max_neighbour_pull × similarity``. In a
    small backlog a request leans on its few closest requests instead of on 20 that are
    mostly other themes; from 6,000 requests on it leans on all 20, as it always did."""
    nearest = config.smoothing_neighbours(backlog)
    index, similarity = index[:, :nearest], similarity[:, :nearest]
    strength = min(config.smoothing, config.max_neighbour_pull * index.shape[1])
    return smooth(vectors, index, similarity, strength, neighbours)


def smooth(
    vectors: NDArray[np.float32],
    index: NDArray[np.integer[Any]],
    similarity: NDArray[np.float32],
    strength: float,
    neighbours: NDArray[np.float32] | None = None,
) -> NDArray[np.float32]:
    """Lean each unit vector towards its neighbours, in proportion to their similarity.

    ``v' = unit(v + strength × mean_j(sim_j × n_j))`` over the k neighbours ``n_j``: a
    request with close neighbours moves towards them; an outlier (low similarities)
    barely moves. A vector keeps its length. ``neighbours`` holds the rows ``index``
    points into (default ``vectors`` itself).
    """
    if strength <= 0 or index.shape[1] == 0:
        return vectors
    pool = vectors if neighbours is None else neighbours
    weights = np.clip(similarity, 0.0, None) * (index >= 0) / index.shape[1]
    safe = np.maximum(index, 0)
    pulled = np.empty(vectors.shape, dtype=np.result_type(weights, pool))
    # a block of rows at a time: all neighbours at once would be an n × k × d array
    # (4 GB at 100k requests of 512 dimensions)
    for start in range(0, len(index), _SMOOTH_BLOCK):
        rows = slice(start, start + _SMOOTH_BLOCK)
        pulled[rows] = np.einsum("nk,nkd->nd", weights[rows], pool[safe[rows]])
    length = row_norms(vectors)  # 1, or less for unknown words
    # unit(v + strength × pulled) × length, in place: the same numbers as with fresh
    # arrays at each step, without three more n × d temporaries (200 MB each at 100k)
    pulled *= strength
    pulled += vectors
    normalize(pulled, copy=False)
    pulled *= length
    smoothed: NDArray[np.float32] = pulled.astype(np.float32, copy=False)
    return smoothed


def cluster(
    requests: Sequence[RequestDoc],
    previous: Sequence[ThemeState] = (),
    config: ThemeConfig | None = None,
    progress: Progress | None = None,
) -> list[ThemeGroup]:
    """Group requests into themes, keeping previous theme ids where they still fit.

    - a pinned request stays in its ``theme_id``; every request of a locked theme stays
      in that theme; themes a PM fixed never join each other;
    - any other group keeps the id of a previous (unlocked) theme when it holds at least
      ``keep_id_overlap`` of that theme's requests (largest overlap first), else its
      ``theme_id`` is None (a new theme);
    - a group whose theme is locked or has ``keep_label`` keeps that theme's label.

    Themes are returned largest first, then by smallest request id.
    """
    config = config or ThemeConfig()
    if not requests:
        return []
    ordered = sorted(requests, key=lambda r: r.id)
    anchors = _anchors(ordered, previous)
    texts = [r.text for r in ordered]
    space, vectors, graph = _smoothed_graph(
        texts, config, progress, lambda: doc_embeddings(ordered, config)
    )
    rows_labels = average_linkage(vectors, graph, config.grouping_threshold(), anchors)
    del graph
    if progress:
        progress(4, _STEPS)
    ids = np.array([r.id for r in ordered], dtype=np.int64)
    members = _members(rows_labels)
    group_anchor = [int(anchors[rows].max()) for rows in members]
    theme_ids = _match_ids(
        [frozenset(ids[rows].tolist()) for rows in members], group_anchor, previous, config
    )
    labels = _keep_labels(describe(space, vectors, texts, members, config), theme_ids, previous)
    groups = [
        ThemeGroup(
            theme_id=theme_id,
            request_ids=tuple(sorted(ids[rows].tolist())),
            label=label,
            top_terms=terms,
        )
        for rows, theme_id, (label, terms) in zip(members, theme_ids, labels, strict=True)
    ]
    groups.sort(key=lambda g: (-len(g.request_ids), g.request_ids[0]))
    if progress:
        progress(_STEPS, _STEPS)
    return groups


def cluster_texts(
    items: Sequence[tuple[str, str]],
    progress: Progress | None = None,
    config: ThemeConfig | None = None,
    embeddings: NDArray[np.floating[Any]] | None = None,
) -> dict[str, int]:
    """Theme numbers for ``(id, text)`` pairs: the ``pulseboard cluster`` command.

    Themes are numbered 0, 1, … from the largest; ties by first appearance.
    ``progress(done, total)`` is called after each of the few pipeline steps.
    ``embeddings``: the texts' sentence embeddings, one row per item, if already known.
    """
    config = config or ThemeConfig()
    if not items:
        return {}
    grouping = group_texts([text for _, text in items], config, progress, embeddings)
    members = _members(grouping.labels)
    order = sorted(range(len(members)), key=lambda g: (-len(members[g]), members[g][0]))
    number = {group: position for position, group in enumerate(order)}
    result = {
        item_id: number[int(label)]
        for (item_id, _), label in zip(items, grouping.labels, strict=True)
    }
    if progress:
        progress(_STEPS, _STEPS)
    return result


def describe(
    space: VectorSpace,
    vectors: NDArray[np.float32],
    texts: Sequence[str],
    members: Sequence[NDArray[np.intp]],
    config: ThemeConfig,
) -> list[tuple[str, tuple[str, ...]]]:
    """A label (the most central request's title, cleaned) and top terms per group;
    ``vectors``: the (smoothed) vectors the groups were made from."""
    words = space.word_tfidf(texts)
    vocabulary = space.terms()
    overall = np.asarray(words.mean(axis=0)).ravel()
    membership = _membership(members, len(texts))
    sizes = np.array([len(rows) for rows in members], dtype=np.float64)
    group_means = sparse.csr_matrix(membership @ words).multiply(1.0 / sizes[:, None]).tocsr()
    out: list[tuple[str, tuple[str, ...]]] = []
    for g, rows in enumerate(members):
        centre = vectors[rows].sum(axis=0)
        central = rows[int(np.argmax(vectors[rows] @ centre))]
        terms = _top_terms(group_means.getrow(g), overall, vocabulary, config)
        out.append((theme_label(texts[central], terms, config.label_length), terms))
    return out


def _keep_labels(
    described: Sequence[tuple[str, tuple[str, ...]]],
    theme_ids: Sequence[int | None],
    previous: Sequence[ThemeState],
) -> list[tuple[str, tuple[str, ...]]]:
    """A label a digest showed, or a PM chose, stays; the top terms are always fresh."""
    kept = {t.id: t.label for t in previous if (t.locked or t.keep_label) and t.label}
    return [
        (kept.get(theme_id, label) if theme_id is not None else label, terms)
        for (label, terms), theme_id in zip(described, theme_ids, strict=True)
    ]


def _top_terms(
    group_mean: sparse.csr_matrix,
    overall: NDArray[np.float64],
    vocabulary: NDArray[np.object_],
    config: ThemeConfig,
) -> tuple[str, ...]:
    """Terms whose weight in the group most exceeds their weight in all requests."""
    cols = group_mean.indices
    if len(cols) == 0:
        return ()
    lift = group_mean.data - overall[cols]
    order = np.lexsort((vocabulary[cols], -lift))
    chosen: list[str] = []
    for i in order:
        if lift[i] <= 0 or len(chosen) >= config.top_terms:
            break
        term = str(vocabulary[cols[i]])
        # skip a unigram already inside a chosen bigram, and vice versa
        if any(term in c.split() or c in term.split() for c in chosen):
            continue
        chosen.append(term)
    return tuple(chosen)


def _anchors(ordered: Sequence[RequestDoc], previous: Sequence[ThemeState]) -> NDArray[np.int64]:
    """Per row, the theme a PM fixed it to (pinned or in a locked theme), else -1."""
    locked_theme = {r: theme.id for theme in previous if theme.locked for r in theme.request_ids}
    anchors = np.full(len(ordered), -1, dtype=np.int64)
    for row, request in enumerate(ordered):
        if request.id in locked_theme:
            anchors[row] = locked_theme[request.id]
        elif request.pinned and request.theme_id is not None:
            anchors[row] = request.theme_id
    return anchors


def _match_ids(
    groups: Sequence[frozenset[int]],
    group_anchor: Sequence[int],
    previous: Sequence[ThemeState],
    config: ThemeConfig,
) -> list[int | None]:
    """Anchored groups keep their anchor; free groups inherit ids by overlap."""
    result: list[int | None] = [a if a >= 0 else None for a in group_anchor]
    taken = {a for a in group_anchor if a >= 0}
    group_of = {request_id: g for g, members in enumerate(groups) for request_id in members}
    candidates: list[tuple[int, int, int]] = []  # (-overlap, theme id, group)
    for theme in previous:
        if theme.locked or theme.id in taken:
            continue
        old = [group_of[r] for r in theme.request_ids if r in group_of]
        for g, overlap in Counter(old).items():
            if result[g] is None and overlap >= config.keep_id_overlap * len(old):
                candidates.append((-overlap, theme.id, g))
    for _, theme_id, g in sorted(candidates):
        if result[g] is None and theme_id not in taken:
            result[g] = theme_id
            taken.add(theme_id)
    return result


def _members(labels: NDArray[np.int64]) -> list[NDArray[np.intp]]:
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return list(np.split(order, bounds))


def _membership(members: Sequence[NDArray[np.intp]], n: int) -> sparse.csr_matrix:
    rows = np.concatenate([np.full(len(m), g) for g, m in enumerate(members)])
    cols = np.concatenate(members)
    return sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(members), n))
