"""Keeping themes up to date: re-grouping every live request with scoring's clustering.

Every PM decision is a hard constraint here (issue 14): a theme a PM acted on keeps its
id, its label and every request it holds; a request a PM placed stays put; a label a
digest showed changes only when a PM renames it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.services.themes.vectors import request_text, with_embeddings
from scoring import RequestDoc, ScoringConfig, ThemeState, cluster
from storage.enums import ThemeStatus
from storage.models import Theme
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RegroupReport:
    requests: int
    themes: int
    new_themes: int


def decided_by_pm(theme: Theme, holds_placed_request: bool = False) -> bool:
    """Whether a PM acted on ``theme``: re-grouping must keep it whole.

    ``locked`` is set by every admin change; the other signs cover themes touched before
    it was (a status, effort or confidence, a chosen label, a request placed by hand).
    """
    return (
        theme.locked
        or theme.pinned
        or theme.status != ThemeStatus.OPEN
        or theme.effort is not None
        or theme.confidence is not None
        or holds_placed_request
    )


def regroup(uow: UnitOfWork, config: ScoringConfig | None = None) -> RegroupReport:
    """Re-cluster all live requests, keeping theme ids, PM placements and locked themes.

    Requests are grouped by their stored embeddings; one that has none is embedded here,
    once, and its vector stored.
    """
    requests = uow.requests
    themes = uow.themes
    live_requests = requests.live()
    live_themes = {t.id: t for t in themes.live()}
    members: dict[int, set[int]] = defaultdict(set)
    placed_by_pm: set[int] = set()
    for request in live_requests:
        if request.theme_id in live_themes:
            members[request.theme_id].add(request.id)
            if request.pinned_to_theme:
                placed_by_pm.add(request.theme_id)
    docs = [
        RequestDoc(
            id=r.id,
            text=request_text(r),
            theme_id=r.theme_id if r.theme_id in live_themes else None,
            pinned=r.pinned_to_theme,
        )
        for r in live_requests
    ]
    states = [
        ThemeState(
            id=t.id,
            request_ids=frozenset(members[t.id]),
            locked=decided_by_pm(t, t.id in placed_by_pm),
            label=t.label,
            keep_label=t.pinned or t.label_shown_at is not None,
        )
        for t in live_themes.values()
        if members[t.id]
    ]
    theme_config = (config or ScoringConfig()).themes
    docs = with_embeddings(uow, theme_config.embedder, docs)
    groups = cluster(docs, states, theme_config)
    new_themes = 0
    placement: dict[int, int] = {}
    for group in groups:
        theme = live_themes.get(group.theme_id) if group.theme_id is not None else None
        if theme is None:
            theme = themes.add(group.label, list(group.top_terms))
            new_themes += 1
        else:
            if not theme.pinned and theme.label != group.label:
                theme.label = group.label
            theme.top_terms = list(group.top_terms)
        for request_id in group.request_ids:
            placement[request_id] = theme.id
    current = {r.id: r.theme_id for r in live_requests}
    moved = {rid: tid for rid, tid in placement.items() if current.get(rid) != tid}
    requests.assign_themes(moved)
    uow.session.flush()
    uow.session.expire_all()
    return RegroupReport(
        requests=len(live_requests),
        themes=len(groups),
        new_themes=new_themes,
    )
