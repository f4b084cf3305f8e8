"""Each request's sentence embedding, computed once and stored (``request_embeddings``).

A request is embedded when it is placed (``bot/services/themes/similar.py``); re-grouping,
duplicate suggestions and objective alignment read the stored vector. Requests that have
none yet (imported, or stored before this existed, or made by another model file) are
embedded by ``pulseboard reindex`` (which ``db upgrade`` runs), or at the latest by the
next re-grouping, which stores what it had to embed. Nothing embeds the whole backlog
twice.

With the ``tfidf`` backend there is no embedder and nothing here does anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from scoring import RequestDoc
from scoring.embedding import Embedder, embed_texts
from storage.db import SessionFactory
from storage.models import Request
from storage.repositories.requests import RequestText
from storage.unit_of_work import UnitOfWork, unit_of_work

#: Requests embedded and committed together by a backfill.
BACKFILL_BATCH = 256

Progress = Callable[[int, int], None]


def model_key(embedder: Embedder) -> str:
    """The name stored with each vector: vectors of different model files never mix."""
    return str(getattr(embedder, "model_id", type(embedder).__name__))


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4")


def request_text(request: Request | RequestText) -> str:
    """What is embedded of a request: its title and body."""
    return f"{request.title}\n{request.body}".strip()


def request_doc(request: Request | RequestText) -> RequestDoc:
    return RequestDoc(id=request.id, text=request_text(request), theme_id=request.theme_id)


def with_embeddings(
    uow: UnitOfWork, embedder: Embedder | None, docs: Sequence[RequestDoc]
) -> list[RequestDoc]:
    """``docs`` with their stored embeddings; those without one are embedded now, in one
    batch, and stored, so the next caller finds them."""
    found, fresh = load_or_embed(uow, embedder, docs)
    if embedder is not None:
        store_embeddings(uow, embedder, fresh)
    return found


def load_or_embed(
    uow: UnitOfWork, embedder: Embedder | None, docs: Sequence[RequestDoc]
) -> tuple[list[RequestDoc], dict[int, np.ndarray]]:
    """``docs`` with their stored embeddings, those without one embedded now; and the
    vectors embedded now, for the caller to store (last, on a path that must hold
    SQLite's write lock only for an instant)."""
    if embedder is None or not docs:
        return list(docs), {}
    blobs = uow.embeddings.stored(model_key(embedder), [d.id for d in docs if d.embedding is None])
    stored = {request_id: from_bytes(blob) for request_id, blob in blobs.items()}
    missing = [d for d in docs if d.embedding is None and d.id not in stored]
    fresh: dict[int, np.ndarray] = {}
    if missing:
        vectors = embed_texts(embedder, [d.text for d in missing])
        fresh = {d.id: v for d, v in zip(missing, vectors, strict=True)}
    known = stored | fresh
    return [
        d if d.embedding is not None else replace(d, embedding=known[d.id]) for d in docs
    ], fresh


def embed_requests(uow: UnitOfWork, embedder: Embedder, request_ids: Sequence[int]) -> int:
    """Embed, in one batch, and store the vectors of these requests that have none; how
    many. A placement worker does this for each batch it claims: batched, the model
    embeds several times faster than one request at a time."""
    docs = [request_doc(r) for r in uow.requests.texts_of(request_ids)]
    _, fresh = load_or_embed(uow, embedder, docs)
    store_embeddings(uow, embedder, fresh)
    return len(fresh)


def store_embeddings(
    uow: UnitOfWork, embedder: Embedder, vectors: Mapping[int, np.ndarray]
) -> None:
    uow.embeddings.store(
        model_key(embedder), {request_id: to_bytes(v) for request_id, v in vectors.items()}
    )


def embeddings_for(uow: UnitOfWork, embedder: Embedder, docs: Sequence[RequestDoc]) -> np.ndarray:
    """The docs' embeddings, one row each: stored ones, the others embedded now but not
    stored (for read-only paths such as ranking; placing and re-grouping store them)."""
    found, _ = load_or_embed(uow, embedder, docs)
    if not found:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([np.asarray(d.embedding, dtype=np.float32) for d in found])


def mean_direction(vectors: np.ndarray) -> np.ndarray | None:
    """The unit mean of unit vectors (a theme's direction in the embedding space)."""
    if len(vectors) == 0:
        return None
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm).astype(np.float32) if norm > 0 else None


_objective_vectors: dict[tuple[str, str], np.ndarray] = {}
_objective_lock = threading.Lock()


def text_embedding(embedder: Embedder, text: str) -> np.ndarray:
    """The embedding of an objective's text, kept per process (objectives change rarely
    and every ranking compares each theme with each of them)."""
    key = (model_key(embedder), text)
    with _objective_lock:
        known = _objective_vectors.get(key)
    if known is not None:
        return known
    vector = embed_texts(embedder, [text])[0]
    with _objective_lock:
        if len(_objective_vectors) > 1000:
            _objective_vectors.clear()
        _objective_vectors[key] = vector
    return vector


def missing_count(session_factory: SessionFactory, embedder: Embedder | None = None) -> int:
    """Live requests, in every workspace, without a vector of the embedder's model
    (``embedder`` None: of any model, i.e. with no vector at all)."""
    model = model_key(embedder) if embedder is not None else None
    with unit_of_work(session_factory) as uow:
        return sum(
            uow.for_workspace(workspace).embeddings.count_missing(model)
            for workspace in uow.workspace_ids()
        )


def backfill(
    session_factory: SessionFactory,
    embedder: Embedder,
    progress: Progress | None = None,
    batch: int = BACKFILL_BATCH,
) -> int:
    """Embed and store every live request that has no vector of this model, in every
    workspace, ``batch`` at a time (each batch commits: an interrupted backfill keeps
    what it did). ``progress(done, total)`` after each batch. How many were embedded."""
    model = model_key(embedder)
    total = missing_count(session_factory, embedder)
    with unit_of_work(session_factory) as uow:
        workspaces = uow.workspace_ids()
    done = 0
    if progress:
        progress(done, total)
    for workspace in workspaces:
        while True:
            with unit_of_work(session_factory, workspace) as uow:
                vectors = uow.embeddings
                todo = vectors.missing(model, limit=batch)
                if not todo:
                    break
                fresh = embed_texts(embedder, [request_text(r) for r in todo])
                vectors.store(model, {r.id: to_bytes(v) for r, v in zip(todo, fresh, strict=True)})
            done += len(todo)
            if progress:
                progress(done, max(total, done))
    return done
