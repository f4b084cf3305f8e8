"""How well a theme's text fits an objective's name, description and keywords.

The measure must be absolute: a theme's fit to an objective may not move when other
themes are added. By meaning, the theme's mean sentence embedding is compared with the
objective's (both come from a fixed model, so nothing is fitted on the corpus). Without
embeddings (the ``tfidf`` backend), both texts are hashed into a fixed space of word
1–2-grams and character 3–5-grams (plain term frequencies, no IDF) and compared by
cosine similarity.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

_FEATURES = 2**18
# Themes and objectives of a ranking or two; a theme's row is a few thousand entries.
_CACHED_TEXTS = 1024


@lru_cache(maxsize=1)
def _vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    words = HashingVectorizer(
        ngram_range=(1, 2),
        n_features=_FEATURES,
        alternate_sign=False,
        stop_words="english",
        strip_accents="unicode",
    )
    chars = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        n_features=_FEATURES,
        alternate_sign=False,
        strip_accents="unicode",
    )
    return words, chars


def text_similarity(a: str, b: str) -> float:
    """Cosine similarity (0..1) of two texts in a fixed hashed space."""
    if not a.strip() or not b.strip():
        return 0.0
    return float(np.clip(_hashed(a).multiply(_hashed(b)).sum(), 0.0, 1.0))


@lru_cache(maxsize=_CACHED_TEXTS)
def _hashed(text: str) -> sparse.csr_matrix:
    """One text's unit row: its word and character parts, each of unit length, joined.

    The space is fixed, so a text's row never changes: a ranking compares each theme with
    every objective, and a digest ranks several times, so each text is hashed once.
    """
    words, chars = _vectorizers()
    parts = [normalize(words.transform([text])), normalize(chars.transform([text]))]
    return normalize(sparse.hstack(parts).tocsr())


def meaning_similarity(a: NDArray[np.floating[Any]], b: NDArray[np.floating[Any]]) -> float:
    """Cosine similarity (-1..1) of two sentence embeddings."""
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norms) if norms > 0 else 0.0
