"""How well a theme's text fits an objective's description and keywords.

The measure must be absolute: a theme's fit to an objective may not move when other
themes are added. So nothing is fitted on a corpus: both texts are hashed into a fixed
space of word 1–2-grams and character 3–5-grams (plain term frequencies, no IDF) and
compared by cosine similarity.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
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
