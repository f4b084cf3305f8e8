"""Duplicate suggestions at the moment of asking, and placing a new request in a theme.

Refitting the word space for every `/feedback` would be slow with a large backlog, so
each process keeps a ``scoring.ThemeIndex`` per workspace, catches it up with requests
placed since (by id, so requests placed by other replicas are seen too; one read while
another replica's worker still held it is looked at again until it is placed, for
``WAITING_SECONDS``), and rebuilds it when it is older than
``MAX_INDEX_AGE`` or has doubled in size (refits cost amortised linear time). Each request
is embedded once, when it is placed here, and its vector stored: indexes are built from
stored vectors, never by embedding the backlog again.

A placement worker's batch is placed in one transaction: the index is caught up once,
the batch's requests are vectorised in one call, and the themes the batch starts carry
negative stand-in ids (later requests of the batch may join them) until they are
written, with every request's theme, at the end.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.services.request_views import Suggestion
from bot.services.themes.vectors import load_or_embed, request_doc, store_embeddings
from scoring import Match, RequestDoc, ScoringConfig, ThemeIndex, theme_label
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


@dataclass(frozen=True)
class _Placing:
    """A request of a batch, placed but not written yet."""

    request: RequestText
    #: Negative: a stand-in for a theme this batch started.
    theme_id: int
    started: bool
    candidates: list[tuple[int, float]]


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

    def place_batch(
        self, uow: UnitOfWork, request_ids: Sequence[int]
    ) -> tuple[dict[int, Placement], list[int]]:
        """Put each request in its nearest theme (or a new one), in id order, and list
        similar themes; the placements by request id, and the ids left for another call.

        Everything is read and computed first and written last (new themes, the requests'
        themes, vectors embedded on the way), so the caller's transaction holds SQLite's
        write lock only at its end. A batch stops where the theme index must be refitted
        (while it is small, after each request); the caller places the ids it left once
        this transaction has committed. Withdrawn and deleted requests are skipped.
        A suggestion counts the people who asked in its theme once the batch is placed.
        """
        with self._lock:
            try:
                return self._place_batch(uow, sorted(request_ids))
            except Exception:
                self._cache.pop(uow.workspace_id, None)  # it holds what was not written
                raise

    def _place_batch(
        self, uow: UnitOfWork, ordered: list[int]
    ) -> tuple[dict[int, Placement], list[int]]:
        embedder = self.config.themes.embedder
        index, to_store = self._index(uow, before_id=ordered[0])
        cached = self._cache[uow.workspace_id]
        requests = uow.requests.texts_of(ordered)
        docs, fresh = load_or_embed(uow, embedder, [request_doc(r) for r in requests])
        to_store |= fresh
        vectors = np.stack([np.asarray(d.embedding) for d in docs]) if embedder and docs else None
        index.prepare([d.text for d in docs], vectors)
        themes = _BatchThemes(uow)
        placed: list[_Placing] = []
        for position, (request, new) in enumerate(zip(requests, docs, strict=True)):
            if position > 0 and cached.stale():
                break
            matches = index.nearest(new.text, k=NEIGHBOURS_SEARCHED, embedding=new.embedding)
            joined = request.theme_id or index.assign(new.text, new.embedding)
            theme_id = themes.live(joined)
            started = theme_id is None
            if theme_id is None:
                theme_id = themes.start(theme_label(request.title))
            candidates = _candidates(themes, matches, request.id)
            placed.append(_Placing(request, theme_id, started, candidates))
            index.add(replace(new, theme_id=theme_id))
            cached.indexed.add(request.id)
        # writes, last
        index.rename_themes(themes.write_new())
        uow.requests.assign_themes({p.request.id: themes.stored(p.theme_id) for p in placed})
        if embedder is not None:
            store_embeddings(uow, embedder, to_store)
        people = uow.requests.requesters_by_theme(
            {themes.stored(t) for p in placed for t, _ in p.candidates}
        )
        placements = {p.request.id: _placement(p, themes, people) for p in placed}
        return placements, [r.id for r in requests[len(placed) :]]

    def _index(self, uow: UnitOfWork, before_id: int) -> tuple[ThemeIndex, dict[int, np.ndarray]]:
        """The workspace's index, caught up or rebuilt, and the vectors it had to embed
        (requests stored without one), for the caller to store."""
        embedder = self.config.themes.embedder
        cached = self._cache.get(uow.workspace_id)
        if cached is None or cached.stale():
            live = uow.requests.live_texts(before_id=before_id)
            grouped = [r for r in live if r.theme_id is not None]
            docs, fresh = load_or_embed(uow, embedder, [request_doc(r) for r in grouped])
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
                placed.append(request_doc(request))
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


class _BatchThemes:
    """The themes a batch meets: stored ones resolved once each (merges followed), and
    the ones it starts, under negative stand-in ids until :meth:`write_new`."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._live: dict[int, int | None] = {}
        self._stand_ins = itertools.count(-1, -1)
        self._written: dict[int, int] = {}
        self.labels: dict[int, str] = {}

    def live(self, theme_id: int | None) -> int | None:
        """The theme that stands for ``theme_id`` now, or None if there is none."""
        if theme_id is None or theme_id < 0:
            return theme_id
        if theme_id not in self._live:
            theme = self._uow.themes.resolve(theme_id)
            self._live[theme_id] = None if theme is None else theme.id
            if theme is not None:
                self.labels[theme.id] = theme.label
        return self._live[theme_id]

    def start(self, label: str) -> int:
        stand_in = next(self._stand_ins)
        self.labels[stand_in] = label
        return stand_in

    def write_new(self) -> dict[int, int]:
        """Store the started themes, in the order they were started; their ids by stand-in."""
        new = sorted((t for t in self.labels if t < 0), reverse=True)
        self._written = {t: self._uow.themes.add(self.labels[t]).id for t in new}
        return self._written

    def stored(self, theme_id: int) -> int:
        """The stored id of ``theme_id`` (itself, unless a stand-in written since)."""
        return self._written.get(theme_id, theme_id)


def _candidates(
    themes: _BatchThemes, matches: list[Match], request_id: int
) -> list[tuple[int, float]]:
    """The themes of the most similar requests that clear the bar, best first, each once
    (merges followed), with their similarity: the suggestions, once it is known who else
    asked in each. ``matches`` come best first, so the walk stops at the first under the
    bar."""
    candidates: dict[int, float] = {}
    for match in matches:
        if match.similarity < SUGGESTION_THRESHOLD:
            break
        if match.theme_id is None or match.request_id == request_id:
            continue
        theme_id = themes.live(match.theme_id)
        if theme_id is not None and theme_id not in candidates:
            candidates[theme_id] = match.similarity
    return list(candidates.items())


def _placement(
    placing: _Placing, themes: _BatchThemes, people: dict[int, dict[int, int]]
) -> Placement:
    """What the asker is told: the theme, and up to ``MAX_SUGGESTIONS`` similar themes
    that someone else asked in (``people``: per theme, who asked and how often)."""
    request = placing.request
    theme_id = themes.stored(placing.theme_id)
    suggestions: list[Suggestion] = []
    for candidate, similarity in placing.candidates:
        suggested = themes.stored(candidate)
        asked = people[suggested]
        others = len(asked)
        if suggested == theme_id and asked.get(request.requester_id) == 1:
            others -= 1  # the asker, by this request alone
        if others:
            suggestions.append(Suggestion(suggested, themes.labels[candidate], others, similarity))
        if len(suggestions) == MAX_SUGGESTIONS:
            break
    return Placement(
        request.title,
        theme_id,
        themes.labels[placing.theme_id],
        joined_existing=not placing.started,
        suggestions=tuple(suggestions),
    )
