"""Text → vectors: TF-IDF over words and characters, reduced by LSA.

Word 1–2-grams catch the wording; character 3–5-grams (inside word boundaries) catch
typos, plurals and inflections ("dashbaord", "exports"/"exporting"). Sublinear term
frequency keeps a repeated word from dominating. LSA (truncated SVD) then folds terms
that occur in the same requests together, which helps with synonyms a little, and
gives short dense vectors that are cheap to compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn import config_context
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from scoring.config import ThemeConfig

#: What a vectoriser is fitted on when the corpus has no terms at all (every request
#: "🚀🚀" or "? !"): one term that real text does not use, so that each request gets a
#: zero vector in that view and groups with nothing by it, instead of a failed fit.
NO_TERMS = "pulseboardnoterms"


def _word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, lowercase=True, strip_accents="unicode"
    )


def _char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        sublinear_tf=True,
        lowercase=True,
        strip_accents="unicode",
    )


class WordTerms:
    """The top terms of a space, from its fitted word vectoriser ``words``."""

    __slots__ = ()
    words: TfidfVectorizer

    def word_tfidf(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Word-level TF-IDF, used to find a theme's distinguishing terms."""
        return sparse.csr_matrix(self.words.transform([_non_empty(t) for t in texts]))

    def terms(self) -> NDArray[np.object_]:
        """The word vocabulary, in column order of :meth:`word_tfidf`."""
        terms: NDArray[np.object_] = self.words.get_feature_names_out()
        return terms


@dataclass(frozen=True, slots=True)
class TextSpace(WordTerms):
    """A fitted vector space: TF-IDF (words and characters) then LSA."""

    words: TfidfVectorizer
    chars: TfidfVectorizer
    #: Typical share of a fitted request's TF-IDF vector that the LSA space keeps.
    typical_coverage: float = 1.0
    #: The fitted SVD's ``components_.T`` laid out contiguously (None when the corpus is
    #: too small to reduce): projecting one request is then a sparse row times this
    #: matrix (TruncatedSVD.transform copies the transpose on every call, which costs
    #: milliseconds on a large vocabulary).
    projection: NDArray[np.float64] | None = None

    @classmethod
    def fit(
        cls, texts: Sequence[str], config: ThemeConfig
    ) -> tuple[TextSpace, NDArray[np.float32]]:
        """Fit on ``texts`` and return the space with their unit vectors (float32)."""
        words = _word_vectorizer()
        chars = _char_vectorizer()
        safe = [_non_empty(t) for t in texts]
        # The TF-IDF matrices are the largest objects of a re-grouping (hundreds of MB at
        # 100k requests): each is released as soon as the next step no longer needs it.
        parts = [fit_transform(words, safe), fit_transform(chars, safe)]
        tfidf = sparse.hstack(parts, format="csr")
        del parts
        normalize(tfidf, copy=False)
        dims = min(lsa_dimensions(tfidf.shape[0], config), tfidf.shape[1] - 1)
        if dims < 2:
            space = cls(words, chars)
            return space, _dense_unit(tfidf)
        svd = TruncatedSVD(n_components=dims, random_state=config.seed, algorithm="randomized")
        fitted_on = tfidf
        if tfidf.shape[0] > config.svd_sample:
            rng = np.random.default_rng(config.seed)
            fitted_on = tfidf[np.sort(rng.choice(tfidf.shape[0], config.svd_sample, replace=False))]
        # The SVD is fitted in float32: its randomized range finder works on dense
        # vocabulary × (dims + 10) matrices (several of 236 MB each in float64 at 100k
        # requests), and the components differ from a float64 fit by ~1e-5 in cosine,
        # far below anything the grouping can see (docs/scoring.md §4).
        fitted_on = fitted_on.astype(np.float32)
        # Texts that are all the same have no variance: sklearn's explained-variance ratio
        # (unused here) divides by zero then, and the components are still right.
        with np.errstate(divide="ignore", invalid="ignore"):
            svd.fit(fitted_on)
        del fitted_on
        projection = np.ascontiguousarray(svd.components_.T, dtype=np.float64)
        del svd  # its components live on as ``projection`` only (vocabulary × dims)
        reduced = np.asarray(tfidf @ projection)
        del tfidf
        coverage = float(np.median(np.linalg.norm(reduced, axis=1)))
        space = cls(words, chars, max(coverage, 1e-6), projection)
        return space, normalize(reduced, copy=False).astype(np.float32)

    def transform(
        self, texts: Sequence[str], embeddings: NDArray[np.floating[Any]] | None = None
    ) -> NDArray[np.float32]:
        """Vectors of new texts in this space (float32, one row per text); words only,
        so ``embeddings`` are ignored.

        A text the space covers as well as a typical fitted request gets a unit vector;
        a text made mostly of words the space has never seen gets a shorter one, so it
        does not look similar to anything by accident.
        """
        safe = [_non_empty(t) for t in texts]
        # The vectorisers were fitted here; re-validating their parameters and input on
        # every call costs more than the transform itself on one short text.
        with config_context(assume_finite=True, skip_parameter_validation=True):
            tfidf = _join(self.words.transform(safe), self.chars.transform(safe))
        if self.projection is None:
            return _dense_unit(tfidf)
        reduced: NDArray[np.float64] = np.asarray(tfidf @ self.projection)
        norms: NDArray[np.float64] = np.linalg.norm(reduced, axis=1, keepdims=True)
        scale = np.minimum(1.0, norms / self.typical_coverage) / np.maximum(norms, 1e-12)
        return (reduced * scale).astype(np.float32)


def fit_transform(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> sparse.csr_matrix:
    """``vectorizer.fit_transform(texts)``, also when no text has a single term."""
    try:
        return sparse.csr_matrix(vectorizer.fit_transform(texts))
    except ValueError as error:
        if "empty vocabulary" not in str(error):
            raise
    vectorizer.fit([NO_TERMS])
    return sparse.csr_matrix(vectorizer.transform(texts))


def _join(words: sparse.spmatrix, chars: sparse.spmatrix) -> sparse.csr_matrix:
    """Both views side by side with equal weight, renormalised to unit length."""
    return normalize(sparse.hstack([words, chars], format="csr"))


def _dense_unit(tfidf: sparse.spmatrix) -> NDArray[np.float32]:
    dense: NDArray[np.float32] = normalize(tfidf).toarray().astype(np.float32)
    return dense


def _non_empty(text: str) -> str:
    # an empty document would make the vectoriser fail on an empty vocabulary
    return text if text.strip() else "(empty)"


def lsa_dimensions(documents: int, config: ThemeConfig) -> int:
    """How many LSA dimensions a corpus of this size supports.

    A small backlog spread over many dimensions leaves every request nearly orthogonal to
    the others, so nothing groups; one dimension per ``documents_per_dimension`` requests
    (at least ``min_dimensions``, at most ``dimensions``) keeps related wording together.
    On the bundled sample (308 requests) this lifts ARI against its intents from 0.09 to
    0.32; from 1,280 requests on, the full ``dimensions`` are used as before.
    """
    by_size = max(config.min_dimensions, documents // config.documents_per_dimension)
    return min(config.dimensions, by_size, documents - 1)
