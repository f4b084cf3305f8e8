"""Requests with no usable words ("🚀🚀", "? !") are grouped without failing: scikit-learn's
vectoriser refuses a corpus with an empty vocabulary, and such requests must neither crash
the clustering nor join a theme by accident (issue 13, section 7)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pytest

from scoring import RequestDoc, ThemeConfig, ThemeIndex, cluster, cluster_texts

NO_WORDS = ["🚀🚀", "? !", "a b", "👍", "́"]  # the last: a lone combining accent
WORDED = ["Dark mode for the dashboard", "dashboard dark mode please", "dark mode dashboard"]


def docs(texts: Sequence[str]) -> list[RequestDoc]:
    return [RequestDoc(number, text) for number, text in enumerate(texts, start=1)]


def test_a_backlog_of_requests_without_words_groups_each_alone() -> None:
    groups = cluster(docs(NO_WORDS))
    assert sorted(g.request_ids for g in groups) == [(n,) for n in range(1, len(NO_WORDS) + 1)]
    assert all(0 < len(g.label) <= 60 for g in groups)  # cleaned, or a placeholder
    assert all(g.top_terms == () for g in groups)


def test_requests_without_words_join_no_worded_theme() -> None:
    groups = cluster(docs(WORDED + NO_WORDS))
    worded = {1, 2, 3}
    assert any(set(g.request_ids) == worded for g in groups)
    for group in groups:
        assert set(group.request_ids) <= worded or not set(group.request_ids) & worded


@pytest.mark.parametrize("texts", [["🚀🚀"], NO_WORDS])
def test_the_cluster_command_numbers_them(texts: list[str]) -> None:
    numbers = cluster_texts([(str(n), text) for n, text in enumerate(texts)])
    assert sorted(numbers.values()) == list(range(len(texts)))


def test_an_index_of_them_places_new_requests_without_failing() -> None:
    index = ThemeIndex.build(docs(NO_WORDS))
    assert index.assign("dark mode for the dashboard") is None
    assert index.nearest("🚀🚀🚀") is not None


def test_the_embedding_backend_takes_them_too() -> None:
    def embedder(texts: Sequence[str]) -> np.ndarray:
        return np.eye(len(texts), 8, dtype=np.float32)

    groups = cluster(docs(NO_WORDS), config=ThemeConfig(embedder=embedder))
    assert sorted(len(g.request_ids) for g in groups) == [1] * len(NO_WORDS)


def test_identical_texts_fit_without_a_warning() -> None:
    """No variance among the texts: sklearn's explained-variance ratio divided by zero."""
    items = [(str(n), "please add a build cache to CI") for n in range(12)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        themes = cluster_texts(items, config=ThemeConfig())
    assert set(themes.values()) == {0}
