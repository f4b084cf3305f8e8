"""The semantic backend in scoring: grouping with an injected embedder, alone or blended.

These tests use a tiny fake embedder (a fixed table of "concepts"), so they load no
model; the real model's loader is tested in tests/unit/test_embedder.py.
"""

from __future__ import annotations

import subprocess
import sys
import zlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scoring import RequestDoc, ThemeConfig, ThemeIndex, cluster, cluster_texts
from scoring.embedding import BlendSpace, Embedder, EmbeddingSpace, embedding_mean, fit_space
from scoring.text import TextSpace

#: Words that mean the same thing share a concept; TF-IDF cannot see that.
CONCEPTS = {
    "dark": 0,
    "night": 0,
    "black": 0,
    "mode": 1,
    "theme": 1,
    "look": 1,
    "export": 2,
    "download": 2,
    "csv": 3,
    "spreadsheet": 3,
    "excel": 3,
    "login": 4,
    "sign-in": 4,
    "sso": 4,
    "okta": 5,
    "identity": 5,
}
DIMENSIONS = 16


class FakeEmbedder:
    """Sum of concept axes (unknown words: a small hashed direction), unit length."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, texts: Sequence[str], /) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                if word in CONCEPTS:
                    out[row, CONCEPTS[word]] += 1.0
                else:
                    out[row, 8 + zlib.crc32(word.encode()) % 8] += 0.05
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


# no word in common within a theme, only concepts
TEXTS = [
    "dark mode",
    "night theme",
    "black look",
    "export csv",
    "download spreadsheet",
    "download excel",
    "sso okta",
    "sign-in identity",
]
EXPECTED = [{1, 2, 3}, {4, 5, 6}, {7, 8}]


def _config(embedder: Embedder | None = None) -> ThemeConfig:
    """The embedding alone (no TF-IDF share), so grouping follows the fake's concepts."""
    return ThemeConfig(embedder=embedder or FakeEmbedder(), neighbours=5, embedding_weight=1.0)


def test_fake_embedder_satisfies_the_protocol() -> None:
    assert isinstance(FakeEmbedder(), Embedder)


def test_cluster_groups_by_meaning_with_an_embedder() -> None:
    docs = [RequestDoc(i + 1, t) for i, t in enumerate(TEXTS)]
    groups = cluster(docs, config=_config())
    assert sorted(map(set, (g.request_ids for g in groups)), key=min) == EXPECTED


def test_without_an_embedder_the_same_texts_do_not_group() -> None:
    docs = [RequestDoc(i + 1, t) for i, t in enumerate(TEXTS)]
    groups = cluster(docs, config=ThemeConfig(neighbours=5))
    assert len(groups) > len(EXPECTED)


def test_cluster_texts_calls_the_embedder_once_for_all_texts() -> None:
    fake = FakeEmbedder()
    themes = cluster_texts([(str(i), t) for i, t in enumerate(TEXTS)], config=_config(fake))
    assert fake.calls == 1
    assert themes["0"] == themes["1"] == themes["2"]
    assert themes["0"] != themes["3"]


def test_labels_and_terms_still_come_from_the_words() -> None:
    docs = [RequestDoc(i + 1, t) for i, t in enumerate(TEXTS)]
    groups = cluster(docs, config=_config())
    by_first = {g.request_ids[0]: g for g in groups}
    assert by_first[1].label.lower() in TEXTS[:3]
    assert by_first[1].top_terms  # words of the group, not embedding dimensions


def test_semantic_thresholds_apply_only_with_an_embedder() -> None:
    plain = ThemeConfig(similarity_threshold=0.4, semantic_similarity_threshold=0.7)
    assert plain.grouping_threshold() == 0.4
    with_model = ThemeConfig(
        embedder=FakeEmbedder(), assign_threshold=0.4, semantic_assign_threshold=0.7
    )
    assert with_model.grouping_threshold() == with_model.semantic_similarity_threshold
    assert with_model.joining_threshold() == 0.7


def test_clustering_uses_the_semantic_threshold_with_an_embedder() -> None:
    docs = [RequestDoc(i + 1, t) for i, t in enumerate(TEXTS)]
    strict_tfidf = replace(_config(), similarity_threshold=1.5)
    assert len(cluster(docs, config=strict_tfidf)) == len(EXPECTED)
    strict = replace(_config(), semantic_similarity_threshold=1.5)
    assert len(cluster(docs, config=strict)) == len(TEXTS)


def test_index_assigns_and_finds_duplicates_through_the_embedder() -> None:
    themes = [10, 10, 10, 20, 20, 20, 30, 30]
    docs = [RequestDoc(i + 1, t, th) for i, (t, th) in enumerate(zip(TEXTS, themes, strict=True))]
    index = ThemeIndex.build(docs, _config())
    assert index.assign("night mode") == 10
    assert index.assign("okta login") == 30
    assert index.assign("quantum teleporter") is None
    assert [m.theme_id for m in index.nearest("excel download", k=2)] == [20, 20]
    index.add(RequestDoc(99, "black theme please", 10))
    assert index.nearest("black theme please", k=1)[0].request_id == 99


def test_empty_index_with_an_embedder() -> None:
    index = ThemeIndex.build([], _config())
    assert len(index) == 0
    assert index.assign("dark mode") is None
    assert index.nearest("dark mode") == []


def test_fit_space_picks_the_backend() -> None:
    assert isinstance(fit_space(TEXTS, ThemeConfig())[0], TextSpace)
    space, vectors = fit_space(TEXTS, _config())
    assert isinstance(space, EmbeddingSpace)
    assert vectors.shape == (len(TEXTS), DIMENSIONS)
    blended, _ = fit_space(TEXTS, ThemeConfig(embedder=FakeEmbedder()))
    assert isinstance(blended, BlendSpace)


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.7])
def test_blend_similarity_is_the_weighted_sum_of_both_views(weight: float) -> None:
    config = ThemeConfig(embedder=FakeEmbedder(), embedding_weight=weight)
    space, vectors = fit_space(TEXTS, config)
    assert isinstance(space, BlendSpace)
    assert space.embedding.mean is not None
    meaning = FakeEmbedder()(TEXTS) - space.embedding.mean  # the embeddings are centred
    meaning /= np.linalg.norm(meaning, axis=1, keepdims=True)
    _, lexical = TextSpace.fit(TEXTS, config)
    np.testing.assert_allclose(
        vectors @ vectors.T,
        weight * (meaning @ meaning.T) + (1 - weight) * (lexical @ lexical.T),
        atol=1e-5,
    )
    np.testing.assert_allclose(space.transform(TEXTS[:2]), vectors[:2], atol=1e-5)
    assert space.terms().tolist() == TextSpace.fit(TEXTS, config)[0].terms().tolist()


@pytest.mark.parametrize("weight", [-0.1, 1.5])
def test_blend_weight_outside_0_1_is_refused(weight: float) -> None:
    with pytest.raises(ValueError, match="embedding_weight"):
        fit_space(TEXTS, ThemeConfig(embedder=FakeEmbedder(), embedding_weight=weight))


def test_blend_keeps_what_the_words_tell_apart() -> None:
    """Same concepts, different words: the embedding alone joins them, the blend not."""
    texts = ["dark mode", "night theme", "dark mode", "dark mode"]
    alone = fit_space(texts, _config())[1]
    blended = fit_space(texts, ThemeConfig(embedder=FakeEmbedder(), embedding_weight=0.5))[1]
    assert alone[0] @ alone[1] == pytest.approx(alone[0] @ alone[2])
    assert blended[0] @ blended[1] < blended[0] @ blended[2] - 0.3


def test_blend_groups_paraphrases_with_a_word_in_common() -> None:
    texts = ["dark mode", "dark theme", "night mode", "export csv", "export spreadsheet"]
    config = ThemeConfig(
        embedder=FakeEmbedder(),
        neighbours=4,
        embedding_weight=0.5,
        smoothing=0.0,
        semantic_similarity_threshold=0.5,
    )
    themes = cluster_texts([(str(i), t) for i, t in enumerate(texts)], config=config)
    assert themes["0"] == themes["1"] == themes["2"]
    assert themes["3"] == themes["4"] != themes["0"]


def test_embedding_mean_is_shrunk_for_a_small_backlog() -> None:
    vectors = np.tile(np.array([[0.6, 0.8]], dtype=np.float32), (50, 1))
    np.testing.assert_allclose(embedding_mean(vectors, 0.0), [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(embedding_mean(vectors, 50.0), [0.3, 0.4], rtol=1e-6)
    assert embedding_mean(vectors[:0], 100.0).shape == (2,)


def _shared_direction(texts: Sequence[str], /) -> np.ndarray:
    """Every text has a large common component plus its own hashed direction."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    out[:, 0] = 1.0
    for row, text in enumerate(texts):
        out[row, 1 + zlib.crc32(text.encode()) % 63] = 0.6
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_centring_takes_out_the_direction_every_text_shares() -> None:
    texts = [f"request number {i}" for i in range(400)]
    raw = ThemeConfig(embedder=_shared_direction, embedding_weight=1.0, centre_embeddings=False)
    centred = replace(raw, centre_embeddings=True)
    _, before = fit_space(texts, raw)
    space, after = fit_space(texts, centred)
    # unrelated texts look ~0.74 alike through the shared component alone, ~0 once centred
    assert before[0] @ before[1] > 0.7
    assert abs(float(after[0] @ after[1])) < 0.2
    np.testing.assert_allclose(np.linalg.norm(after, axis=1), 1.0, rtol=1e-5)
    # a new request is centred on the fitted mean, so ThemeIndex measures the same way
    np.testing.assert_allclose(space.transform(texts[:3]), after[:3], atol=1e-6)


def test_a_tiny_backlog_is_not_centred_on_its_own_topic() -> None:
    """Two requests centred on their own mean would point in opposite directions."""
    texts = ["dark mode", "dark mode export"]  # cosine 0.82 before centring
    _, vectors = fit_space(texts, _config())
    assert vectors[0] @ vectors[1] > 0.8
    _, unshrunk = fit_space(texts, replace(_config(), centre_prior=0.0))
    assert unshrunk[0] @ unshrunk[1] == pytest.approx(-1.0, abs=1e-5)


def test_embedding_space_renormalises_and_checks_shape() -> None:
    space, _ = EmbeddingSpace.fit(TEXTS, lambda texts: np.full((len(texts), 3), 2.0))
    vectors = space.transform(["a", "b"])
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    bad, _ = EmbeddingSpace.fit(TEXTS, FakeEmbedder())
    object.__setattr__(bad, "embedder", lambda texts: np.zeros((1, 3)))
    with pytest.raises(ValueError, match="one row per text"):
        bad.transform(["a", "b"])


def test_scoring_with_an_embedder_imports_no_model_library() -> None:
    code = (
        "import sys\n"
        "from tests.unit.scoring.test_scoring_embedding import FakeEmbedder, TEXTS\n"
        "from scoring import ThemeConfig, cluster_texts\n"
        "cluster_texts([(t, t) for t in TEXTS], config=ThemeConfig(embedder=FakeEmbedder()))\n"
        "bad = {'torch', 'sentence_transformers', 'transformers'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[3])
