"""Duplicate suggestions at the moment of asking, and placing a new request in a theme.

Refitting the word space for every `/feedback` would be slow with a large backlog, so
each process keeps a ``scoring.ThemeIndex`` per workspace, catches it up with requests
placed since (by id, so requests placed by other replicas are seen too; one read while
another replica's worker still held it is looked at again until it is placed, for
``WAITING_SECONDS``), and rebuilds it when it is older than
``MAX_INDEX_AGE`` or has doubled in size (refits cost amortised linear time). Each request
is embedded once, when it is placed here, and its vector stored: indexes are built from
stored vectors, never by embedding the backlog again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.services.request_views import Suggestion
from bot.services.themes.regroup import request_text
from bot.services.themes.vectors import load_or_embed, store_embeddings, stored_embeddings
from scoring import Match, RequestDoc, ScoringConfig, ThemeIndex, theme_label
from storage.models import Request
from storage.repositories.requests import RequestText
from storage.unit_of_work import UnitOfWork

MAX_INDEX_AGE = 600.0
#: How long a request read before it was placed is looked for again: longer than a
#: worker holds its claim. Past it, its placement failed and re-grouping places it.
WAITING_SECONDS = 120.0
#: An index fitted on fewer requests than this is refitted for every request placed
#: since (cheap: the vectors are stored, only the word space is refitted), so a new
#: workspace's word space knows its first requests' words; a larger one is refitted once
#: it holds twice as many (a burst of 2,000 into an empty workspace: 20 + 6 refits).
#: Suggestions by meaning need no refit at all: the model knows every word already.
SMALL_INDEX = 20
MAX_SUGGESTIONS = 3
NEIGHBOURS_SEARCHED = 20
#: Similarity (0..1) from which an existing request is offered as a possible duplicate.
#: On the default blend, paraphrases that share no word ("undo deploy", "one-click
#: rollback to the previous release": embedding cosine 0.42, words 0) reach ~0.3 while
#: unrelated asks stay under ~0.15; on the sample workspace the best match of 99.7% of
#: requests clears 0.25 and the share that is the same intent (59%) is the same as at
#: 0.35, so the lower bar costs no precision there.
SUGGESTION_THRESHOLD = 0.25


@dataclass(frozen=True)
class Placement:
    request_title: str
    theme_id: int
    theme_label: str
    joined_existing: bool
    suggestions: tuple[Suggestion, ...]


@dataclass
class _CachedIndex:
    index: ThemeIndex
    last_request_id: int
    built_at: float
    built_size: int
    indexed: set[int]
    #: Requests read before they were placed (another replica's worker holds them), and
    #: when first seen: looked at again at each catch-up until placed, for a while.
    waiting: dict[int, float]

    def stale(self) -> bool:
        """Old, or grown past the requests its word space was fitted on: by one while it
        is small (a new workspace's first requests would otherwise share a space fitted
        on almost none), by double after."""
        if time.monotonic() - self.built_at > MAX_INDEX_AGE:
            return True
        if self.built_size < SMALL_INDEX:
            return len(self.index) > self.built_size
        return len(self.index) >= 2 * self.built_size


class SimilarRequests:
    """The per-process cache of theme indexes; safe to share between listener threads."""

    def __init__(self, config: ScoringConfig | None = None) -> None:
        self.config = config or ScoringConfig()
        self._lock = threading.Lock()
        self._cache: dict[str, _CachedIndex] = {}
        #: The stored embeddings :meth:`prepare` read, by workspace and request id, for
        #: :meth:`place` (each workspace's last batch only).
        self._prepared: dict[str, dict[int, np.ndarray]] = {}

    def place(self, uow: UnitOfWork, request_id: int) -> Placement:
        """Put the request in its nearest theme (or a new one) and list similar themes.

        The request is embedded here, once, and its vector stored with it. Everything is
        read and computed first and the writes come last, so the caller's transaction
        holds SQLite's write lock only for an instant.
        """
        requests = uow.requests
        request = requests.by_id(request_id)
        if request is None:
            raise LookupError(f"request {request_id} not found")
        themes = uow.themes
        text = request_text(request)
        with self._lock:
            prepared = self._prepared.get(uow.workspace_id, {}).pop(request_id, None)
        to_store: dict[int, np.ndarray] = {}
        if prepared is not None:  # read with the batch (prepare)
            new = replace(doc(request), embedding=prepared)
        else:
            [new], to_store = load_or_embed(uow, self.config.themes.embedder, [doc(request)])
        with self._lock:
            index, fresh = self._index(uow, before_id=request_id)
            to_store |= fresh
            matches = index.nearest(text, k=NEIGHBOURS_SEARCHED, embedding=new.embedding)
            joined = request.theme_id or index.assign(text, new.embedding)
            theme = themes.resolve(joined) if joined is not None else None
            suggestions = self._suggestions(uow, matches, request)
            joined_existing = theme is not None
            if theme is None:
                theme = themes.add(theme_label(request.title))
            request.theme_id = theme.id
            uow.session.flush()
            index.add(replace(new, theme_id=theme.id))
            cached = self._cache[uow.workspace_id]
            cached.indexed.add(request.id)
            cached.last_request_id = max(cached.last_request_id, request.id)
        if self.config.themes.embedder is not None:
            store_embeddings(uow, self.config.themes.embedder, to_store)
        return Placement(request.title, theme.id, theme.label, joined_existing, suggestions)

    def prepare(self, uow: UnitOfWork, request_ids: Sequence[int]) -> None:
        """Vectorise requests about to be placed, in one call (``ThemeIndex.prepare``).

        Only on an index that is fit to use as it is: one that must be rebuilt first is
        rebuilt by the first :meth:`place`, and the rest of the batch is vectorised one by
        one. With an embedder, only requests whose vector is stored already are prepared,
        and :meth:`place` takes their vectors from here instead of reading each again.
        """
        with self._lock:
            cached = self._cache.get(uow.workspace_id)
            if cached is None or cached.stale():
                return
            texts = uow.requests.texts_of(request_ids)
            embeddings = None
            embedder = self.config.themes.embedder
            if embedder is not None:
                stored = stored_embeddings(uow, embedder, [t.id for t in texts])
                texts = [t for t in texts if t.id in stored]
                embeddings = np.stack([stored[t.id] for t in texts]) if texts else None
                self._prepared[uow.workspace_id] = {t.id: stored[t.id] for t in texts}
            cached.index.prepare([request_text(t) for t in texts], embeddings)

    def _index(self, uow: UnitOfWork, before_id: int) -> tuple[ThemeIndex, dict[int, np.ndarray]]:
        """The workspace's index, caught up or rebuilt, and the vectors it had to embed
        (requests stored without one), for the caller to store."""
        embedder = self.config.themes.embedder
        cached = self._cache.get(uow.workspace_id)
        if cached is None or cached.stale():
            live = uow.requests.live_texts(before_id=before_id)
            grouped = [r for r in live if r.theme_id is not None]
            docs, fresh = load_or_embed(uow, embedder, [doc(r) for r in grouped])
            now = time.monotonic()
            cached = _CachedIndex(
                index=ThemeIndex.build(docs, self.config.themes),
                last_request_id=max((r.id for r in live), default=0),
                built_at=now,
                built_size=len(grouped),
                indexed={r.id for r in grouped},
                waiting={r.id: now for r in live if r.theme_id is None},
            )
            self._cache[uow.workspace_id] = cached
            return cached.index, fresh
        newer = uow.requests.live_texts(cached.last_request_id, before_id)
        cached.last_request_id = max([cached.last_request_id, *(r.id for r in newer)])
        rechecked = uow.requests.texts_of(list(cached.waiting)) if cached.waiting else []
        now = time.monotonic()
        placed: list[RequestDoc] = []
        waiting: dict[int, float] = {}  # what is gone or placed is not looked for again
        for request in [*rechecked, *newer]:
            if request.id in cached.indexed:
                continue
            if request.theme_id is not None:
                placed.append(doc(request))
                continue
            first_seen = cached.waiting.get(request.id, now)
            if now - first_seen < WAITING_SECONDS:
                waiting[request.id] = first_seen
        cached.waiting = waiting
        docs, fresh = load_or_embed(uow, embedder, placed)
        for placed_doc in docs:
            cached.index.add(placed_doc)
            cached.indexed.add(placed_doc.id)
        return cached.index, fresh

    def _suggestions(
        self, uow: UnitOfWork, matches: list[Match], request: Request
    ) -> tuple[Suggestion, ...]:
        """Up to ``MAX_SUGGESTIONS`` themes of the most similar requests, best first, each
        once (merges followed), that someone other than this request's author asked in.

        ``matches`` come best first, so the walk stops at the first one under the bar and
        reads a theme only when it could still be suggested.
        """
        themes = uow.themes
        requests = uow.requests
        seen: set[int] = set()
        suggestions: list[Suggestion] = []
        for match in matches:
            if match.similarity < SUGGESTION_THRESHOLD or len(suggestions) == MAX_SUGGESTIONS:
                break
            if match.theme_id is None or match.request_id == request.id:
                continue
            if match.theme_id in seen:
                continue
            seen.add(match.theme_id)
            theme = themes.resolve(match.theme_id)
            if theme is None or theme.id in {s.theme_id for s in suggestions}:
                continue
            seen.add(theme.id)
            requesters = requests.requesters_in_theme(theme.id, excluding_request=request.id)
            if requesters:
                suggestions.append(Suggestion(theme.id, theme.label, requesters, match.similarity))
        return tuple(suggestions)


def doc(request: Request | RequestText) -> RequestDoc:
    return RequestDoc(id=request.id, text=request_text(request), theme_id=request.theme_id)
