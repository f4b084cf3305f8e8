"""Duplicate suggestions at the moment of asking, and placing a new request in a theme.

Re-vectorising every request for each `/feedback` would be slow with a large backlog, so
each process keeps a ``scoring.ThemeIndex`` per workspace, catches it up with requests
placed since (by id, so requests placed by other replicas are seen too; one still waiting
for its own placement is added by it), and rebuilds it when it is older than
``MAX_INDEX_AGE`` or has doubled in size (refits cost amortised linear time).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.services.themes import request_text
from scoring import Match, RequestDoc, ScoringConfig, ThemeIndex, theme_label
from storage.models import Request
from storage.repositories import RequestRepository, ThemeRepository
from storage.repositories.requests import RequestText

MAX_INDEX_AGE = 600.0
#: Below this many requests, the index is refitted once it holds twice as many.
MIN_REFIT_SIZE = 10
MAX_SUGGESTIONS = 3
NEIGHBOURS_SEARCHED = 20
#: Similarity (0..1) from which an existing request is offered as a possible duplicate.
SUGGESTION_THRESHOLD = 0.35


@dataclass(frozen=True)
class Suggestion:
    theme_id: int
    label: str
    requesters: int
    similarity: float


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

    def stale(self) -> bool:
        """Old, or grown to twice the requests its vector space was fitted on (a new
        workspace's first requests would otherwise share a space fitted on almost none)."""
        too_old = time.monotonic() - self.built_at > MAX_INDEX_AGE
        return too_old or len(self.index) >= 2 * max(self.built_size, MIN_REFIT_SIZE)


class SimilarRequests:
    """The per-process cache of theme indexes; safe to share between listener threads."""

    def __init__(self, config: ScoringConfig | None = None) -> None:
        self.config = config or ScoringConfig()
        self._lock = threading.Lock()
        self._cache: dict[str, _CachedIndex] = {}

    def invalidate(self, workspace_id: str | None = None) -> None:
        with self._lock:
            if workspace_id is None:
                self._cache.clear()
            else:
                self._cache.pop(workspace_id, None)

    def place(self, session: Session, workspace_id: str, request_id: int) -> Placement:
        """Put the request in its nearest theme (or a new one) and list similar themes.

        Everything is read and computed first and the one write comes last, so the
        caller's transaction holds SQLite's write lock only for an instant.
        """
        requests = RequestRepository(session, workspace_id)
        request = requests.by_id(request_id)
        if request is None:
            raise LookupError(f"request {request_id} not found")
        themes = ThemeRepository(session, workspace_id)
        with self._lock:
            index = self._index(session, workspace_id, before_id=request_id)
            text = request_text(request)
            matches = index.nearest(text, k=NEIGHBOURS_SEARCHED)
            joined = request.theme_id or index.assign(text)
            theme = themes.resolve(joined) if joined is not None else None
            suggestions = self._suggestions(session, workspace_id, matches, request)
            joined_existing = theme is not None
            if theme is None:
                theme = themes.add(theme_label(request.title))
            request.theme_id = theme.id
            session.flush()
            index.add(RequestDoc(id=request.id, text=text, theme_id=theme.id))
            cached = self._cache[workspace_id]
            cached.indexed.add(request.id)
            cached.last_request_id = max(cached.last_request_id, request.id)
        return Placement(request.title, theme.id, theme.label, joined_existing, suggestions)

    def _index(self, session: Session, workspace_id: str, before_id: int) -> ThemeIndex:
        cached = self._cache.get(workspace_id)
        if cached is None or cached.stale():
            live = RequestRepository(session, workspace_id).live_texts(before_id=before_id)
            cached = _CachedIndex(
                index=ThemeIndex.build([doc(r) for r in live], self.config.themes),
                last_request_id=max((r.id for r in live), default=0),
                built_at=time.monotonic(),
                built_size=len(live),
                indexed={r.id for r in live},
            )
            self._cache[workspace_id] = cached
            return cached.index
        newer = RequestRepository(session, workspace_id).live_texts(
            cached.last_request_id, before_id
        )
        for request in newer:
            if request.theme_id is not None and request.id not in cached.indexed:
                cached.index.add(doc(request))
                cached.indexed.add(request.id)
            cached.last_request_id = max(cached.last_request_id, request.id)
        return cached.index

    def _suggestions(
        self, session: Session, workspace_id: str, matches: list[Match], request: Request
    ) -> tuple[Suggestion, ...]:
        themes = ThemeRepository(session, workspace_id)
        requests = RequestRepository(session, workspace_id)
        best: dict[int, float] = defaultdict(float)
        resolved: dict[int, int | None] = {}
        for match in matches:
            if match.theme_id is None or match.request_id == request.id:
                continue
            if match.similarity < SUGGESTION_THRESHOLD:
                continue
            if match.theme_id not in resolved:
                theme = themes.resolve(match.theme_id)
                resolved[match.theme_id] = theme.id if theme is not None else None
            theme_id = resolved[match.theme_id]
            if theme_id is not None:
                best[theme_id] = max(best[theme_id], match.similarity)
        ranked = sorted(best.items(), key=lambda item: -item[1])[:MAX_SUGGESTIONS]
        suggestions = []
        for theme_id, similarity in ranked:
            theme = themes.by_id(theme_id)
            assert theme is not None
            requesters = requests.requesters_in_theme(theme_id, excluding_request=request.id)
            if requesters:
                suggestions.append(Suggestion(theme_id, theme.label, requesters, similarity))
        return tuple(suggestions)


def doc(request: Request | RequestText) -> RequestDoc:
    return RequestDoc(id=request.id, text=request_text(request), theme_id=request.theme_id)
