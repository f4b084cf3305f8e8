"""The audit log is in the workspace export: every PM decision, who, when, from → to."""

from __future__ import annotations

from bot.sample import load_sample
from bot.services.roadmap.admin import Actor, change_status, rename_theme
from bot.services.roadmap.audit import recent_changes
from bot.services.workspace.transfer import export_workspace, import_workspace
from storage.enums import ThemeStatus
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

ADMIN = "U0PMADMIN1"


def test_export_and_the_audit_view_carry_every_decision(sqlite_database: Database) -> None:
    db = sqlite_database
    with unit_of_work(db.sessions) as uow:
        workspace_id = import_workspace(uow, load_sample()).workspace_id
    actor = Actor(workspace_id, ADMIN, frozenset({ADMIN}))
    with unit_of_work(db.sessions, workspace_id) as uow:
        theme = uow.themes.live()[0]
        theme_id, label = theme.id, theme.label
    with unit_of_work(db.sessions, workspace_id) as uow:
        change_status(uow, actor, theme_id, ThemeStatus.PLANNED, "Q1")
    with unit_of_work(db.sessions, workspace_id) as uow:
        rename_theme(uow, actor, theme_id, "Deploy rollback")

    with unit_of_work(db.sessions, workspace_id) as uow:
        exported = export_workspace(uow)
        shown = recent_changes(uow, actor)
    imported_decisions = [a for a in exported.audit if a.actor == ADMIN]
    assert [a.action for a in imported_decisions] == ["theme.status", "theme.rename"]
    assert imported_decisions[0].details == {"from": "open", "to": "planned", "note": "Q1"}
    assert imported_decisions[1].details == {"from": label, "to": "Deploy rollback"}
    assert imported_decisions[0].at.tzinfo is not None
    assert [line.summary for line in shown[:2]] == [
        f"#{theme_id} renamed “{label}” → “Deploy rollback”",
        f"#{theme_id}: status open → planned — Q1",
    ]
    assert exported.model_dump_json()  # the file serialises
