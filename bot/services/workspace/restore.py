"""Restoring a backup (a workspace file with themes) into an empty workspace, ids kept.

Nothing is re-grouped: the themes, their membership and every PM decision are written as
they were, so export → restore → export gives the same document. A workspace that has
data already is refused (its ids would clash, and merging two histories is not a restore).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.workspace.file import WorkspaceFile, WorkspaceFileError
from bot.services.workspace.limits import import_key
from storage.enums import DigestRunStatus, Effort, RequestSource, ThemeStatus
from storage.models import (
    AuditEntry,
    DigestRun,
    Domain,
    Request,
    ShipFollowup,
    Theme,
    ThemeLink,
    ThemeStatusChange,
    User,
    Vote,
)
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Restored:
    requests: int
    votes: int
    themes: int


def restore_workspace(
    uow: UnitOfWork, data: WorkspaceFile, users: dict[str, User], domains: dict[str, Domain]
) -> Restored:
    """Write the backup's themes, requests, votes, history, digests and follow-ups.

    ``users``, ``domains`` and the workspace's name are already stored (by the import);
    everything else goes in here, in the caller's transaction.
    """
    backups = uow.backups
    taken = backups.ids_taken(Theme, (t.id for t in data.themes)) + backups.ids_taken(
        Request, (r.id for r in data.requests if r.id is not None)
    )
    if taken:
        raise WorkspaceFileError(
            "this file is a backup (it has themes): restore it into an empty database; "
            f"ids {', '.join(map(str, sorted(set(taken))[:5]))} are taken here"
        )
    backups.insert(
        Theme,
        [
            t.model_dump(exclude={"merged_into"})  # set once every theme is stored
            | {"status": ThemeStatus(t.status), "effort": Effort(t.effort) if t.effort else None}
            for t in data.themes
        ],
    )
    backups.set_merges({t.id: t.merged_into for t in data.themes if t.merged_into is not None})
    request_ids = {r.ref: r.id for r in data.requests if r.id is not None}
    objectives = {o.name: o.id for o in uow.objectives.list_all()}
    backups.insert(
        Request,
        [
            r.model_dump(exclude={"ref", "requester", "logged_by", "domain", "objective", "theme"})
            | {
                "idempotency_key": import_key(uow.workspace_id, r.ref),
                "requester_id": users[r.requester].id,
                "logged_by_id": users[r.logged_by].id if r.logged_by in users else None,
                "source": RequestSource(r.source),
                "domain_id": domains[r.domain].id if r.domain else None,
                "objective_id": objectives.get(r.objective) if r.objective else None,
            }
            for r in data.requests
            if r.id is not None
        ],
    )
    backups.insert(
        Vote,
        [
            {
                "user_id": users[v.user].id,
                "theme_id": v.theme,
                "request_id": request_ids.get(v.request) if v.request else None,
                "created_at": v.created_at,
            }
            for v in data.votes
        ],
    )
    backups.insert(
        ThemeStatusChange,
        [
            {
                "id": c.id,
                "theme_id": c.theme,
                "from_status": ThemeStatus(c.from_status or "open"),
                "to_status": ThemeStatus(c.status),
                "note": c.note,
                "changed_by": c.by,
                "changed_at": c.at,
            }
            for c in data.status_changes
            if c.theme is not None
        ],
    )
    backups.insert(
        DigestRun,
        [d.model_dump() | {"status": DigestRunStatus(d.status)} for d in data.digests],
    )
    backups.insert(
        ShipFollowup,
        [
            f.model_dump(exclude={"theme", "status_change", "user", "followup_request"})
            | {
                "theme_id": f.theme,
                "status_change_id": f.status_change,
                "user_id": users[f.user].id,
                "followup_request_id": request_ids.get(f.followup_request or ""),
            }
            for f in data.followups
        ],
    )
    backups.insert(AuditEntry, [a.model_dump() for a in data.audit])
    backups.insert(
        ThemeLink,
        [
            link.model_dump(exclude={"theme", "tracker"})
            | {"theme_id": link.theme, "provider": link.tracker}
            for link in data.links
        ],
    )
    backups.continue_ids_after_restore()
    return Restored(len(request_ids), len(data.votes), len(data.themes))
