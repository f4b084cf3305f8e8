"""The semantic backend: sentence embeddings, blended with TF-IDF, behind one interface.

``scoring`` stays pure: it never loads a model. The caller (``bot.services.themes.embedder``)
hands in an :class:`Embedder`, any callable that turns texts into unit vectors, through
``ThemeConfig.embedder``. Everything downstream (neighbour graph, smoothing, average
linkage, ``ThemeIndex``) is the same as for TF-IDF; only the similarity scale differs,
hence the separate ``semantic_*_threshold`` knobs in ``ThemeConfig``.

The embedding knows that "undo deploy" and "roll back a release" mean the same; TF-IDF
knows that "card arrival" and "card delivery estimate" use different words, which a
small model blurs. :class:`BlendSpace` keeps both: each vector is the embedding and the
TF-IDF + LSA vector side by side, scaled by the square roots of their weights, so the dot
product of two blended vectors is ``w·cos(embedding) + (1 − w)·cos(TF-IDF)``
(``ThemeConfig.embedding_weight`` = w).

Before blending, the embeddings are **centred** (:func:`embedding_mean`): the corpus mean
embedding is subtracted and each vector re-normalised. A sentence model's vectors all
share a large common direction (MiniLM's mean vector has length ~0.3–0.47 on our data),
so any two requests already look ~0.1–0.2 alike before they say anything in common.
That floor hides the differences between neighbouring intents and lets unrelated pairs
clear the threshold; taking it out widens the gap between "same ask" and "same topic".
The mean is fitted with the space (like the TF-IDF vocabulary) and ``ThemeIndex`` applies
the same mean to new requests, so both keep measuring on one scale.

Labels and top terms still come from word TF-IDF: an embedding has no words to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from scoring.config import ThemeConfig
from scoring.models import RequestDoc
from scoring.text import TextSpace, WordTerms, _non_empty, _word_vectorizer, fit_transform

#: Rows per block when computing row lengths (see :func:`row_norms`).
_NORM_BLOCK = 8192


@runtime_checkable
class Embedder(Protocol):
    """Texts in, one row per text out: float vectors of unit length (any dimension)."""

    def __call__(self, texts: Sequence[str], /) -> NDArray[np.floating[Any]]: ...


class VectorSpace(Protocol):
    """What the clustering and ``ThemeIndex`` need from a fitted space.

    ``embeddings``: the texts' stored sentence embeddings, one row per text, used
    instead of calling the embedder (a space without an embedder ignores them).
    """

    def transform(
        self, texts: Sequence[str], embeddings: NDArray[np.floating[Any]] | None = None
    ) -> NDArray[np.float32]: ...

    def word_tfidf(self, texts: Sequence[str]) -> sparse.csr_matrix: ...

    def terms(self) -> NDArray[np.object_]: ...


@dataclass(frozen=True, slots=True)
class EmbeddingSpace(WordTerms):
    """A space whose vectors come from an :class:`Embedder`; words only for terms."""

    embedder: Embedder
    words: TfidfVectorizer
    #: Subtracted from every embedding before re-normalising (None: not centred).
    mean: NDArray[np.float32] | None = None

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        embedder: Embedder,
        config: ThemeConfig | None = None,
        embeddings: NDArray[np.floating[Any]] | None = None,
        own: bool = False,
        words: TfidfVectorizer | None = None,
    ) -> tuple[EmbeddingSpace, NDArray[np.float32]]:
        """Embed ``texts`` (or take their stored ``embeddings``), fit the centring mean and
        the word vocabulary for top terms (``words``: one already fitted). ``own``:
        ``embeddings`` may be overwritten."""
        config = config or ThemeConfig()
        if words is None:
            words = _word_vectorizer()
            fit_transform(words, [_non_empty(t) for t in texts])
        if own and embeddings is not None and len(texts) > 0:
            raw = unit_rows(embeddings, len(texts), copy=False)  # no 150 MB copy at 100k
        else:
            raw = cls(embedder, words).transform(texts, embeddings)
        if not config.centre_embeddings or raw.size == 0:
            return cls(embedder, words), raw
        mean = embedding_mean(raw, config.centre_prior)
        return cls(embedder, words, mean), _centre(raw, mean)

    def transform(
        self, texts: Sequence[str], embeddings: NDArray[np.floating[Any]] | None = None
    ) -> NDArray[np.float32]:
        """Unit vectors of ``texts`` (float32, one row per text): their ``embeddings``
        when given, else the embedder's.

        Unlike TF-IDF, a text with unseen words still gets a full-length vector: the
        model knows words this workspace has not used yet.
        """
        if len(texts) == 0:
            return np.zeros((0, 0), dtype=np.float32)
        if embeddings is None:
            embeddings = embed_texts(self.embedder, texts)
        vectors = unit_rows(embeddings, len(texts))
        return vectors if self.mean is None else _centre(vectors, self.mean)


@dataclass(frozen=True, slots=True)
class BlendSpace:
    """Embedding and TF-IDF + LSA vectors side by side, weighted (see the module doc).

    Each part is unit length (a TF-IDF part may be shorter for unseen words, as in
    :class:`TextSpace`), so a blended vector has length at most 1 and cosine similarity
    is the weighted sum of the two parts' cosines.
    """

    embedding: EmbeddingSpace
    text: TextSpace
    weight: float

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        embedder: Embedder,
        config: ThemeConfig,
        embeddings: NDArray[np.floating[Any]] | None = None,
        own: bool = False,
    ) -> tuple[BlendSpace, NDArray[np.float32]]:
        """Embed ``texts`` (or take their stored ``embeddings``), fit TF-IDF + LSA on
        them, and blend the two. ``own``: ``embeddings`` may be overwritten."""
        text, lexical = TextSpace.fit(texts, config)
        embedding, meaning = EmbeddingSpace.fit(
            texts, embedder, config, embeddings, own, words=text.words
        )
        space = cls(embedding, text, config.embedding_weight)
        return space, space._blend(meaning, lexical)

    def transform(
        self, texts: Sequence[str], embeddings: NDArray[np.floating[Any]] | None = None
    ) -> NDArray[np.float32]:
        """Blended vectors of ``texts`` (float32, one row per text)."""
        if len(texts) == 0:
            return np.zeros((0, 0), dtype=np.float32)
        return self._blend(self.embedding.transform(texts, embeddings), self.text.transform(texts))

    def word_tfidf(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Word-level TF-IDF, used to find a theme's distinguishing terms."""
        return self.text.word_tfidf(texts)

    def terms(self) -> NDArray[np.object_]:
        """The word vocabulary, in column order of :meth:`word_tfidf`."""
        return self.text.terms()

    def _blend(
        self, meaning: NDArray[np.float32], lexical: NDArray[np.float32]
    ) -> NDArray[np.float32]:
        width = meaning.shape[1]
        out = np.empty((meaning.shape[0], width + lexical.shape[1]), dtype=np.float32)
        np.multiply(meaning, np.sqrt(self.weight), out=out[:, :width])
        np.multiply(lexical, np.sqrt(1.0 - self.weight), out=out[:, width:])
        return out


def embedding_mean(vectors: NDArray[np.float32], prior: float) -> NDArray[np.float32]:
    """The mean of unit ``vectors``, shrunk towards zero by ``n / (n + prior)``.

    The mean is meant to capture the model's common direction, not the backlog's own
    topic. A few requests are mostly their own topic (centring two requests on their
    own mean would make them opposite), so a small backlog is centred only partly:
    ``prior`` requests' worth of "no shift". From a few thousand requests on, the
    shrinkage is negligible.
    """
    n: int = vectors.shape[0]
    if n == 0:
        return np.zeros(vectors.shape[1], dtype=np.float32)
    mean: NDArray[np.float64] = vectors.astype(np.float64).mean(axis=0)
    return (mean * (n / (n + max(prior, 0.0)))).astype(np.float32)


def _centre(vectors: NDArray[np.float32], mean: NDArray[np.float32]) -> NDArray[np.float32]:
    """``vectors − mean``, back to unit length (a vector equal to the mean stays zero).

    In place: ``vectors`` is always an array of this module's own making.
    """
    vectors -= mean[None, :]
    vectors /= np.maximum(row_norms(vectors), 1e-12)
    return vectors


def fit_space(
    texts: Sequence[str],
    config: ThemeConfig,
    embeddings: NDArray[np.floating[Any]] | None = None,
    own: bool = False,
) -> tuple[VectorSpace, NDArray[np.float32]]:
    """The backend the config asks for.

    No embedder: TF-IDF + LSA. An embedder: its vectors alone when
    ``embedding_weight`` is 1, else blended with TF-IDF + LSA (:class:`BlendSpace`).
    ``embeddings`` (one stored row per text) saves embedding the texts again; with
    ``own`` they are the caller's to give away: normalised in place, not copied.
    """
    if config.embedder is None:
        return TextSpace.fit(texts, config)
    if not 0.0 <= config.embedding_weight <= 1.0:
        raise ValueError(f"embedding_weight must be between 0 and 1, got {config.embedding_weight}")
    if config.embedding_weight == 1.0:
        return EmbeddingSpace.fit(texts, config.embedder, config, embeddings, own)
    return BlendSpace.fit(texts, config.embedder, config, embeddings, own)


def embed_texts(embedder: Embedder, texts: Sequence[str]) -> NDArray[np.float32]:
    """``embedder(texts)`` as unit float32 rows; an empty text is embedded as a marker."""
    return unit_rows(embedder([_non_empty(t) for t in texts]), len(texts))


def doc_embeddings(docs: Sequence[RequestDoc], config: ThemeConfig) -> NDArray[np.float32] | None:
    """The docs' embeddings, one row each: stored ones as they are, the others embedded
    now in one batch (the space re-normalises them). None when the backend has no
    embedder."""
    if config.embedder is None or not docs:
        return None
    missing = [row for row, d in enumerate(docs) if d.embedding is None]
    fresh = embed_texts(config.embedder, [docs[row].text for row in missing]) if missing else None
    stored = next((d.embedding for d in docs if d.embedding is not None), None)
    width = fresh.shape[1] if fresh is not None else np.asarray(stored).shape[0]
    out = np.empty((len(docs), width), dtype=np.float32)
    for row, d in enumerate(docs):
        if d.embedding is not None:
            out[row] = d.embedding
    if fresh is not None:
        out[missing] = fresh
    return out


def unit_rows(
    vectors: NDArray[np.floating[Any]], rows: int, copy: bool = True
) -> NDArray[np.float32]:
    """A copy of ``vectors`` (or, ``copy=False``, ``vectors`` itself when it is float32),
    checked to hold ``rows`` rows, re-normalised to unit length (float32).

    A model's "unit" vectors drift by float error, and the average linkage relies on unit
    length (``sum(A)·sum(B) / |A||B|``). At most one array is allocated (at 100k requests
    each copy is 150 MB).
    """
    out = np.array(vectors, dtype=np.float32) if copy else np.asarray(vectors, np.float32)
    if out.ndim != 2 or out.shape[0] != rows:
        raise ValueError(
            f"embeddings have shape {out.shape} for {rows} texts; expected one row per text"
        )
    out /= np.maximum(row_norms(out), 1e-12)
    return out


def row_norms(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """``np.linalg.norm(vectors, axis=1, keepdims=True)``, the same numbers, a block of
    rows at a time: all at once squares every value into an n × d temporary."""
    norms = np.empty((vectors.shape[0], 1), dtype=vectors.dtype)
    for start in range(0, vectors.shape[0], _NORM_BLOCK):
        rows = slice(start, start + _NORM_BLOCK)
        norms[rows] = np.linalg.norm(vectors[rows], axis=1, keepdims=True)
    return norms
