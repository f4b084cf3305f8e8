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
    words, chars = _vectorizers()
    both = [a, b]
    matrix = normalize(
        sparse.hstack([normalize(words.transform(both)), normalize(chars.transform(both))])
    )
    return float(np.clip(matrix[0].multiply(matrix[1]).sum(), 0.0, 1.0))


def meaning_similarity(a: NDArray[np.floating[Any]], b: NDArray[np.floating[Any]]) -> float:
    """Cosine similarity (-1..1) of two sentence embeddings."""
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norms) if norms > 0 else 0.0
