"""Which pulse comments talk about a theme, and how happy their round was.

A comment mentions a theme when it contains one of the theme's two-word key terms, or
at least two of its one-word key terms (with no key terms: two words of four letters or
more from its label). The mood of a mention is its round's published 1–5 average, mapped
to −1 … +1 as ``(score − 3) / 2``: no guessing of sentiment from words, and never the
author's own answer (bot/services/pulses/anonymity.py says why). Below the anonymity
threshold of distinct authors a theme gets no pulse signal at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from bot.services.pulses.anonymity import Mention, theme_signal

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


def mood(score: float) -> float:
    return (score - 3) / 2


class Comment(Protocol):
    """A released pulse comment (bot/services/pulses/results.py ReleasedComment)."""

    @property
    def text(self) -> str: ...
    @property
    def person(self) -> int: ...
    @property
    def round_mood(self) -> float: ...


def theme_mentions(
    comments: Sequence[Comment], top_terms: Sequence[str], label: str, k: int
) -> tuple[int, float | None]:
    """(mentions, average mood) a theme's score may use, from released comments."""
    found = [
        Mention(c.person, c.round_mood) for c in comments if mentions(c.text, top_terms, label)
    ]
    return theme_signal(found, k)
