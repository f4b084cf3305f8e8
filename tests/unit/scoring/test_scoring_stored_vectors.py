"""Stored embeddings: grouping, the index and objective fit read them instead of embedding.

A request is embedded once, when it is placed; everything after that passes its stored
vector in ``RequestDoc.embedding`` (issue 14, part 2). These tests use the fake embedder
of test_scoring_embedding.py and count its calls.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

from scoring import (
    Objective,
    RequestDoc,
    RequestFact,
    ScoringConfig,
    ThemeFacts,
    ThemeIndex,
    cluster,
    score_theme,
)
from scoring.components import text_fit
from scoring.embedding import doc_embeddings
from tests.unit.scoring.test_scoring_embedding import EXPECTED, TEXTS, FakeEmbedder, _config

NOW = datetime(2026, 12, 1, 12, 0)


def stored_docs() -> list[RequestDoc]:
    vectors = FakeEmbedder()(TEXTS)
    return [RequestDoc(i + 1, t, embedding=vectors[i]) for i, t in enumerate(TEXTS)]


def test_grouping_stored_vectors_calls_no_embedder_and_groups_the_same() -> None:
    fake = FakeEmbedder()
    groups = cluster(stored_docs(), config=_config(fake))
    assert fake.calls == 0
    fresh = cluster([RequestDoc(i + 1, t) for i, t in enumerate(TEXTS)], config=_config())
    assert [g.request_ids for g in groups] == [g.request_ids for g in fresh]
    assert sorted(map(set, (g.request_ids for g in groups)), key=min) == EXPECTED


def test_only_the_requests_without_a_vector_are_embedded_in_one_batch() -> None:
    fake = FakeEmbedder()
    docs = stored_docs()
    docs[2] = replace(docs[2], embedding=None)
    docs[5] = replace(docs[5], embedding=None)
    embedded: list[str] = []

    def counting(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return fake(texts)

    vectors = doc_embeddings(docs, _config(counting))
    assert embedded == [TEXTS[2], TEXTS[5]]
    assert np.allclose(vectors, FakeEmbedder()(TEXTS), atol=1e-6)


def test_a_blend_uses_the_stored_vector_for_its_meaning_part() -> None:
    fake = FakeEmbedder()
    config = replace(_config(fake), embedding_weight=0.7)
    grouped = cluster(stored_docs(), config=config)
    assert fake.calls == 0
    assert grouped == cluster(stored_docs(), config=config), "same input, same themes"


def test_the_index_is_built_from_stored_vectors_and_takes_a_new_one() -> None:
    fake = FakeEmbedder()
    themes = [10, 10, 10, 20, 20, 20, 30, 30]
    docs = [replace(d, theme_id=t) for d, t in zip(stored_docs(), themes, strict=True)]
    index = ThemeIndex.build(docs, _config(fake))
    assert fake.calls == 0
    vector = FakeEmbedder()(["night mode"])[0]
    assert index.assign("night mode", vector) == 10
    assert index.nearest("night mode", k=1, embedding=vector)[0].theme_id == 10
    index.add(RequestDoc(99, "night mode", 10, embedding=vector))
    assert fake.calls == 0


def test_no_embedder_means_no_embeddings() -> None:
    assert doc_embeddings(stored_docs(), replace(_config(), embedder=None)) is None


# --- objective fit by meaning ----------------------------------------------------------

AXIS = np.eye(4, dtype=np.float32)
SPEED = Objective("Ship faster", "Fast builds and deploys", ("ci",), 1.0, embedding=AXIS[0])
FACTS = ThemeFacts(1, "Remote build cache", "builds are slow", (RequestFact("U1", None, 3, NOW),))


def towards(cosine: float) -> np.ndarray:
    """A unit vector whose cosine with the objective's is ``cosine``."""
    return np.array([cosine, np.sqrt(1 - cosine**2), 0, 0], dtype=np.float32)


@pytest.mark.parametrize(
    ("cosine", "fit"),
    [(0.05, 0.0), (0.15, 0.0), (0.30, 0.5), (0.45, 1.0), (0.80, 1.0)],
)
def test_fit_by_meaning_maps_the_cosine_from_the_floor_to_a_full_fit(
    cosine: float, fit: float
) -> None:
    """Worked example with the defaults: floor 0.15, full fit at 0.45."""
    facts = replace(FACTS, embedding=towards(cosine))
    assert text_fit(facts, SPEED, ScoringConfig()) == pytest.approx(fit, abs=1e-6)


def test_alignment_by_meaning_scores_a_paraphrase_without_a_shared_word() -> None:
    config = ScoringConfig()
    related = replace(FACTS, label="Quicker pipelines", text="x", embedding=towards(0.6))
    unrelated = replace(FACTS, label="Quicker pipelines", text="x", embedding=towards(0.0))
    # 0.4 of a full text fit (no objective tags): 0.4 × weight 1 / largest weight 1
    assert score_theme(related, [SPEED], config, NOW).component("alignment").value == 0.4
    assert score_theme(unrelated, [SPEED], config, NOW).component("alignment").value == 0.0


def test_without_both_embeddings_the_fit_is_by_words() -> None:
    words_only = replace(SPEED, embedding=None)
    with_meaning = replace(FACTS, embedding=towards(0.0))
    assert text_fit(with_meaning, words_only, ScoringConfig()) > 0  # "builds" is shared


def test_fit_by_meaning_stays_absolute() -> None:
    """Another theme in the ranking changes nothing: the fit reads only this theme."""
    facts = replace(FACTS, embedding=towards(0.3))
    alone = score_theme(facts, [SPEED], ScoringConfig(), NOW)
    other = replace(FACTS, theme_id=2, embedding=towards(0.9))
    score_theme(other, [SPEED], ScoringConfig(), NOW)
    assert score_theme(facts, [SPEED], ScoringConfig(), NOW) == alone
