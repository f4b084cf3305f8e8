"""Which pulse comments talk about a theme, and how happy their authors were.

A comment mentions a theme when it contains one of the theme's two-word key terms, or
at least two of its one-word key terms (with no key terms: two words of four letters or
more from its label). The mood of a mention is the author's own 1–5 answer in the same
pulse, mapped to −1 … +1 as ``(score − 3) / 2``: no guessing of sentiment from words.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

WORD = re.compile(r"[a-z0-9]+")
MIN_LABEL_WORD = 4
MIN_UNIGRAM_MATCHES = 2


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def mentions(comment: str, top_terms: Sequence[str], label: str) -> bool:
    tokens = words(comment)
    vocabulary = set(tokens)
    joined = f" {' '.join(tokens)} "
    terms = [" ".join(words(t)) for t in top_terms if words(t)]
    if not terms:
        terms = sorted({w for w in words(label) if len(w) >= MIN_LABEL_WORD})
    if any(" " in t and f" {t} " in joined for t in terms):
        return True
    return sum(1 for t in terms if " " not in t and t in vocabulary) >= MIN_UNIGRAM_MATCHES


def mood(score: int) -> float:
    return (score - 3) / 2


def theme_mentions(
    comments: Sequence[tuple[str, int]], top_terms: Sequence[str], label: str
) -> tuple[int, float | None]:
    """(mentions, average mood) of ``(comment, score)`` pairs for one theme."""
    moods = [mood(score) for text, score in comments if mentions(text, top_terms, label)]
    return len(moods), statistics.fmean(moods) if moods else None
