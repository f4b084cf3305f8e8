"""Keeping themes up to date: re-grouping every live request with scoring's clustering."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from scoring import RequestDoc, ScoringConfig, ThemeState, cluster
from storage.models import Request
from storage.repositories import RequestRepository, ThemeRepository
from storage.repositories.requests import RequestText


@dataclass(frozen=True)
class RegroupReport:
    requests: int
    themes: int
    new_themes: int
    reassigned_requests: int


def request_text(request: Request | RequestText) -> str:
    return f"{request.title}\n{request.body}".strip()


def regroup(
    session: Session, workspace_id: str, config: ScoringConfig | None = None
) -> RegroupReport:
    """Re-cluster all live requests, keeping theme ids, PM placements and locked themes."""
    requests = RequestRepository(session, workspace_id)
    themes = ThemeRepository(session, workspace_id)
    live_requests = requests.live()
    live_themes = {t.id: t for t in themes.live()}
    members: dict[int, set[int]] = defaultdict(set)
    for request in live_requests:
        if request.theme_id in live_themes:
            members[request.theme_id].add(request.id)
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
        ThemeState(id=t.id, request_ids=frozenset(members[t.id]), locked=t.locked)
        for t in live_themes.values()
        if members[t.id]
    ]
    groups = cluster(docs, states, (config or ScoringConfig()).themes)
    new_themes = 0
    placement: dict[int, int] = {}
    for group in groups:
        theme = live_themes.get(group.theme_id) if group.theme_id is not None else None
        if theme is None:
            theme = themes.add(group.label, list(group.top_terms))
            new_themes += 1
        elif not theme.pinned:
            theme.label = group.label
            theme.top_terms = list(group.top_terms)
        for request_id in group.request_ids:
            placement[request_id] = theme.id
    current = {r.id: r.theme_id for r in live_requests}
    moved = {rid: tid for rid, tid in placement.items() if current.get(rid) != tid}
    requests.assign_themes(moved)
    session.flush()
    session.expire_all()
    return RegroupReport(
        requests=len(live_requests),
        themes=len(groups),
        new_themes=new_themes,
        reassigned_requests=len(moved),
    )
