"""The incremental path: find near duplicates and a theme for one new request, fast.

``ThemeIndex`` keeps the vector space fitted at the last re-clustering, every request's
vector and, per theme, the sum of its members' vectors. The average similarity of a
new request to a theme's requests is then one dot product (``v · sum / size``), the
same measure the clustering uses to join groups, so an answer here agrees with what
the next re-clustering will do. The space is not refitted on each new request (that
would be slow and would shift every vector); the next re-clustering refits it.

Finding a request's nearest requests reads every stored vector up to
``ThemeConfig.exact_neighbours_up_to`` requests (20,000 × 512 float32 is 41 MB); above,
it reads only the few cells of the same inverted lists the clustering's neighbour
search uses (``scoring.neighbours.InvertedLists``): at 100k requests a full scan alone
took 60–70 ms on a shared 2-core machine, the cells under 1 ms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from sklearn import config_context

from scoring.config import ThemeConfig
from scoring.embedding import VectorSpace, doc_embeddings, fit_space
from scoring.models import Match, RequestDoc
from scoring.neighbours import InvertedLists
from scoring.themes import embed, smooth_towards_nearest

_GROW = 1.5

_Float = TypeVar("_Float", np.float32, np.float64)


class ThemeIndex:
    """Requests and themes as vectors, for ``nearest`` / ``assign`` / ``add``."""

    def __init__(
        self,
        space: VectorSpace,
        raw: NDArray[np.float32],
        vectors: NDArray[np.float32],
        request_ids: Sequence[int],
        theme_ids: Sequence[int | None],
        config: ThemeConfig,
    ) -> None:
        self._space = space
        self._config = config
        self._count = len(request_ids)
        capacity = max(16, self._count)
        self._raw = np.zeros((capacity, raw.shape[1]), dtype=np.float32)
        self._raw[: self._count] = raw
        self._request_ids = list(request_ids)
        self._theme_of = list(theme_ids)
        self._theme_row: dict[int, int] = {}  # theme id -> row of the two arrays below
        self._theme_ids: list[int] = []
        #: Rows added under a stand-in theme id (negative): a theme not stored yet.
        self._stand_in_rows: dict[int, list[int]] = {}
        self._theme_sums = np.zeros((16, vectors.shape[1]), dtype=np.float64)
        self._theme_sizes = np.zeros(16, dtype=np.float64)
        self._last_raw: tuple[str, NDArray[np.float32]] | None = None
        self._prepared: dict[str, NDArray[np.float32]] = {}
        self._last_vectors: (
            tuple[tuple[str, int], tuple[NDArray[np.float32], NDArray[np.float32]]] | None
        ) = None
        self._last_sims: tuple[tuple[str, int], NDArray[np.intp], NDArray[np.float32]] | None = None
        self._lists: InvertedLists | None = None
        if self._count > config.exact_neighbours_up_to:
            self._lists = InvertedLists.fit(self._raw[: self._count], config.seed)
        for row, theme_id in enumerate(theme_ids):
            if theme_id is not None:
                self._add_to_theme(theme_id, vectors[row])

    @classmethod
    def build(cls, requests: Sequence[RequestDoc], config: ThemeConfig | None = None) -> ThemeIndex:
        """Fit the space on ``requests``; themes are their current ``theme_id``.

        Requests with a stored ``embedding`` are not embedded again.
        """
        config = config or ThemeConfig()
        ordered = sorted(requests, key=lambda r: r.id)
        texts = [r.text for r in ordered] or ["(empty)"]
        if not ordered:
            # nothing to embed yet: the index takes its width from the first request added
            space, vectors = fit_space(texts, config, np.zeros((1, 0), dtype=np.float32))
            return cls(space, vectors[:0], vectors[:0], [], [], config)
        space, raw, smoothed, _, _ = embed(
            texts, config, None, lambda: doc_embeddings(ordered, config)
        )
        return cls(
            space,
            raw,
            smoothed,
            [r.id for r in ordered],
            [r.theme_id for r in ordered],
            config,
        )

    def __len__(self) -> int:
        return self._count

    def vectors(
        self, text: str, embedding: NDArray[np.floating[Any]] | None = None
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """The unit vector of ``text`` and its smoothed form, as the clustering sees it.

        ``embedding``: the text's stored sentence embedding, if it has one (else the
        backend embeds it). The last answer is kept: placing a request asks for the same
        text's vectors up to three times in a row (nearest, assign, add), at the same
        index size.
        """
        key = (text, self._count)
        if self._last_vectors is not None and self._last_vectors[0] == key:
            return self._last_vectors[1]
        # sklearn re-validates its input on every call (about 0.2-0.3 ms each on this
        # machine, several per request); these arrays are our own and finite
        with config_context(assume_finite=True, skip_parameter_validation=True):
            raw = self._raw_vector(text, embedding)[None, :]
            if self._count == 0 or self._config.smoothing <= 0:
                result = (raw[0], raw[0])
            else:
                nearest = self._config.smoothing_neighbours(self._count)
                rows, sims = self._top(text, nearest, embedding)
                smoothed = smooth_towards_nearest(
                    raw,
                    rows[None, :],
                    sims[None, :],
                    self._config,
                    self._count,
                    self._raw[: self._count],
                )
                result = (raw[0], smoothed[0])
        self._last_vectors = (key, result)
        return result

    def prepare(
        self, texts: Sequence[str], embeddings: NDArray[np.floating[Any]] | None = None
    ) -> None:
        """Vectorise the texts of requests about to be placed one by one, in one call.

        A single text costs TF-IDF about as much as fifty in one call (the vectorisers'
        per-call work dominates), so a worker placing a batch hands the batch here first.
        ``embeddings``: one stored row per text, as for :meth:`vectors`. Replaces what
        the last call prepared.
        """
        if not texts:
            self._prepared = {}
            return
        with config_context(assume_finite=True, skip_parameter_validation=True):
            raw = self._space.transform(texts, embeddings)
        self._prepared = dict(zip(texts, raw, strict=True))

    def _raw_vector(
        self, text: str, embedding: NDArray[np.floating[Any]] | None = None
    ) -> NDArray[np.float32]:
        prepared = self._prepared.get(text)
        if prepared is not None:
            return prepared
        if self._last_raw is not None and self._last_raw[0] == text:
            return self._last_raw[1]
        stored = None if embedding is None else np.asarray(embedding)[None, :]
        raw: NDArray[np.float32] = self._space.transform([text], stored)[0]
        self._last_raw = (text, raw)
        return raw

    def nearest(
        self, text: str, k: int = 3, embedding: NDArray[np.floating[Any]] | None = None
    ) -> list[Match]:
        """The ``k`` most similar known requests, best first (duplicate suggestions)."""
        if self._count == 0 or k <= 0:
            return []
        rows, sims = self._top(text, k, embedding)
        return [
            Match(self._request_ids[r], self._theme_of[r], round(float(s), 4))
            for r, s in zip(rows.tolist(), sims.tolist(), strict=True)
        ]

    def assign(self, text: str, embedding: NDArray[np.floating[Any]] | None = None) -> int | None:
        """The theme ``text`` belongs to (average similarity ≥ threshold), or None."""
        used = len(self._theme_ids)
        if used == 0:
            return None
        _, v = self.vectors(text, embedding)
        avg = _matvec(self._theme_sums[:used], v.astype(np.float64)) / self._theme_sizes[:used]
        best_value = float(avg.max())
        if best_value < self._config.joining_threshold():
            return None
        # smallest theme id among equal best values
        return min(self._theme_ids[i] for i in np.flatnonzero(avg == best_value).tolist())

    def add(self, request: RequestDoc) -> None:
        """Index a new request (in its ``theme_id`` if set) without refitting.

        A negative ``theme_id`` stands in for a theme that is not stored yet: a batch is
        placed before its new themes are written, and :meth:`rename_themes` gives them
        their ids.
        """
        raw, v = self.vectors(request.text, request.embedding)
        if self._count == 0 and self._raw.shape[1] != raw.shape[0]:
            self._raw = np.zeros((len(self._raw), raw.shape[0]), dtype=np.float32)
            self._theme_sums = np.zeros((len(self._theme_sums), v.shape[0]), dtype=np.float64)
        if self._count == len(self._raw):
            self._raw = _grown(self._raw)
        # stored at unit length, like the fitted requests: a query's own length (short
        # for unknown words) then scales every similarity it gets equally
        self._raw[self._count] = raw / max(float(np.linalg.norm(raw)), 1e-12)
        if self._lists is not None:
            self._lists.add(self._count, self._raw[self._count])
        self._count += 1
        self._request_ids.append(request.id)
        self._theme_of.append(request.theme_id)
        if request.theme_id is not None:
            if request.theme_id < 0:
                self._stand_in_rows.setdefault(request.theme_id, []).append(self._count - 1)
            self._add_to_theme(request.theme_id, v)

    def rename_themes(self, ids: Mapping[int, int]) -> None:
        """Give the themes added under stand-in ids (``add``) their stored ids."""
        for stand_in, theme_id in ids.items():
            row = self._theme_row.pop(stand_in)
            self._theme_row[theme_id] = row
            self._theme_ids[row] = theme_id
            for request_row in self._stand_in_rows.pop(stand_in, []):
                self._theme_of[request_row] = theme_id

    def _add_to_theme(self, theme_id: int, v: NDArray[np.float32]) -> None:
        row = self._theme_row.get(theme_id)
        if row is None:
            row = len(self._theme_ids)
            if row == len(self._theme_sizes):
                self._theme_sums = _grown(self._theme_sums)
                self._theme_sizes = _grown(self._theme_sizes)
            self._theme_row[theme_id] = row
            self._theme_ids.append(theme_id)
        self._theme_sums[row] += v
        self._theme_sizes[row] += 1

    def _top(
        self, text: str, k: int, embedding: NDArray[np.floating[Any]] | None = None
    ) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
        """The ``k`` known requests most similar to ``text``: rows and similarities."""
        rows, sims = self._similarities(text, embedding)
        k = min(k, len(rows))
        if k <= 0:
            return rows[:0], sims[:0]
        part = np.argpartition(-sims, k - 1)[:k]
        order = np.lexsort((rows[part], -sims[part]))
        best = part[order]
        return rows[best], sims[best]

    def _similarities(
        self, text: str, embedding: NDArray[np.floating[Any]] | None = None
    ) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
        """Rows worth comparing with ``text`` and their similarities, kept for the next
        call: placing a request asks for its smoothing neighbours and then its nearest."""
        key = (text, self._count)
        if self._last_sims is not None and self._last_sims[0] == key:
            return self._last_sims[1], self._last_sims[2]
        v = self._raw_vector(text, embedding).astype(np.float32, copy=False)
        if self._lists is None:
            rows = np.arange(self._count)
            sims = _matvec(self._raw[: self._count], v)
        else:
            rows = self._lists.candidates(v)
            sims = _matvec(self._raw[rows], v)
        self._last_sims = (key, rows, sims)
        return rows, sims


def _matvec(matrix: NDArray[_Float], v: NDArray[_Float]) -> NDArray[_Float]:
    """``matrix @ v`` on one thread: for a single request, multi-threaded BLAS spends more
    time waking threads (and, on a busy machine, waiting for them) than multiplying."""
    product: NDArray[_Float] = np.einsum("ij,j->i", matrix, v)
    return product


def _grown(array: NDArray[_Float]) -> NDArray[_Float]:
    """A full ``array`` copied into one with room for more rows (zeros)."""
    grown = np.zeros((int(len(array) * _GROW) + 1, *array.shape[1:]), dtype=array.dtype)
    grown[: len(array)] = array
    return grown
