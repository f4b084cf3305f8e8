"""A backup that is a backup: export → import into an empty database → export gives the
same document, for the bundled sample and after a scripted week of PM actions (issue 16)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.runtime.settings import Settings
from bot.sample import load_sample
from bot.services.digest_posting import queue_digests
from bot.services.followups import answer_followup, queue_followups
from bot.services.objective_kpis import KpiMeasurement, record_kpi_values
from bot.services.requests import NewRequest, log_request
from bot.services.roadmap.admin import (
    Actor,
    change_status,
    merge_themes,
    rename_theme,
    save_objective,
    set_effort,
    split_request,
)
from bot.services.roadmap.links import Trackers, link_theme
from bot.services.roadmap.views import KpiDefinition, ObjectiveInput
from bot.services.votes import toggle_vote
from bot.services.workspace.file import WorkspaceFile, WorkspaceFileError
from bot.services.workspace.transfer import export_workspace, import_workspace
from storage.db import make_engine, make_session_factory
from storage.enums import Effort, RequestSource, ThemeStatus
from storage.models import OutboxMessage, ShipFollowup
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

ADMIN = "U0PMADMIN1"
GITHUB = Trackers(github="github.com")
MONDAY = datetime(2026, 4, 6, 9, tzinfo=UTC)


def source_database(tmp_path: Path, sqlite_template: Path) -> Database:
    path = tmp_path / "source.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    return Database(url=f"sqlite:///{path}", engine=engine, sessions=make_session_factory(engine))


def export(db: Database, workspace_id: str) -> dict:
    with unit_of_work(db.sessions, workspace_id) as uow:
        return json.loads(export_workspace(uow).model_dump_json())


def restore(db: Database, document: dict) -> str:
    with unit_of_work(db.sessions) as uow:
        return import_workspace(uow, WorkspaceFile.model_validate(document)).workspace_id


def a_week_of_pm_decisions(db: Database) -> str:
    """The sample, then a week: merge, split, rename, effort, statuses (with history),
    a +1, a digest posted, a shipment's follow-up answered."""
    with unit_of_work(db.sessions) as uow:
        workspace_id = import_workspace(uow, load_sample()).workspace_id
    actor = Actor(workspace_id, ADMIN, frozenset({ADMIN}))
    with unit_of_work(db.sessions, workspace_id) as uow:
        themes = uow.themes.live()
        live = [t.id for t in themes]
        big = max(live, key=lambda t: len(uow.requests.in_theme(t)))
        other = next(t for t in live if t != big and len(uow.requests.in_theme(t)) >= 2)
        # an open theme, so that shipping it is a change the history keeps
        third = next(
            t.id for t in themes if t.id not in (big, other) and t.status == ThemeStatus.OPEN
        )
        moved = uow.requests.in_theme(big)[0].id
    with unit_of_work(db.sessions, workspace_id) as uow:
        merge_themes(uow, actor, other, big)
    with unit_of_work(db.sessions, workspace_id) as uow:
        split_request(uow, actor, moved, "Its own need")
    with unit_of_work(db.sessions, workspace_id) as uow:
        rename_theme(uow, actor, big, "Deploy rollback")
        set_effort(uow, actor, big, Effort.M)
        change_status(uow, actor, big, ThemeStatus.PLANNED, "next sprint")
    with unit_of_work(db.sessions, workspace_id) as uow:
        change_status(uow, actor, big, ThemeStatus.IN_PROGRESS)
        change_status(uow, actor, third, ThemeStatus.SHIPPED, "in every runner")
        link_theme(uow, actor, big, "https://github.com/acme/ci/issues/12", GITHUB)
        toggle_vote(uow, "U0VOTER001", third, "vote:1")
        log_request(
            uow,
            NewRequest(
                requester_slack_id="U0LATE0001",
                text="a request withdrawn later",
                source=RequestSource.COMMAND,
                idempotency_key="late",
            ),
        )
    with unit_of_work(db.sessions, workspace_id) as uow:
        ship_faster = uow.objectives.by_name("Ship faster")
        assert ship_faster is not None
        lead_time = KpiDefinition("Lead time", "days", "down", 3.0)
        save_objective(
            uow,
            actor,
            ObjectiveInput(
                "Ship faster",
                ship_faster.description,
                ship_faster.weight,
                tuple(ship_faster.keywords),
                kpi=lead_time,
            ),
            ship_faster.id,
        )
    with unit_of_work(db.sessions, workspace_id) as uow:
        for days_before, value, source in ((9, 6.0, "csv"), (2, 5.5, "http")):
            at = MONDAY - timedelta(days=days_before)
            record_kpi_values(uow, [KpiMeasurement("Ship faster", value, at)], source, MONDAY)
    settings = Settings(digest_channel="C0DIGEST01", database_url=db.url)
    queue_digests(db.sessions, workspace_id, settings, MONDAY, MONDAY)
    with db.sessions() as session:
        digest = session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "C0DIGEST01")
        ).one()
        shown = json.dumps(digest.payload, ensure_ascii=False)
        assert "*Objectives*" in shown
        assert "Lead time: *5.5 days*" in shown
        assert "Served by #" in shown
    with unit_of_work(db.sessions, workspace_id) as uow:
        queue_followups(uow, datetime.now(UTC) + timedelta(days=15), timedelta(days=14))
        asked = uow.backups.rows(ShipFollowup)
        assert asked, "the shipment asked its requesters"
        first = asked[0]
        slack_id = next(u.slack_id for u in uow.users.list_all() if u.id == first.user_id)
        answer_followup(uow, first.id, slack_id, "partly", datetime.now(UTC) + timedelta(days=16))
    return workspace_id


@pytest.mark.parametrize("scripted_week", [False, True], ids=["sample", "after-a-pm-week"])
def test_export_restore_export_is_the_same_document(
    database: Database, tmp_path: Path, sqlite_template: Path, scripted_week: bool
) -> None:
    source = source_database(tmp_path, sqlite_template)
    if scripted_week:
        workspace_id = a_week_of_pm_decisions(source)
    else:
        with unit_of_work(source.sessions) as uow:
            workspace_id = import_workspace(uow, load_sample()).workspace_id
    first = export(source, workspace_id)
    assert restore(database, first) == workspace_id
    second = export(database, workspace_id)
    for part in first:
        assert second[part] == first[part], part
    assert first["themes"]
    assert first["workspace"]["name"] == "Acme Platform"
    history = [(c["theme"], c["status"], c["at"]) for c in first["status_changes"]]
    assert len(history) == len(set(history))  # each change once
    if scripted_week:
        assert [t for t in first["themes"] if t["merged_into"] is not None]
        assert [r for r in first["requests"] if r["pinned_to_theme"]]
        assert [c["note"] for c in first["status_changes"]].count("in every runner") == 1
        assert first["digests"]
        assert [link["item"] for link in first["links"]] == ["acme/ci#12"]
        assert first["followups"]
        assert first["audit"]
        assert any(f["answer"] == "partly" for f in first["followups"])
        [measured] = [o for o in first["objectives"] if o["kpi_name"]]
        assert (measured["name"], measured["kpi_direction"], measured["kpi_target"]) == (
            "Ship faster",
            "down",
            3.0,
        )
        assert [(v["value"], v["source"]) for v in first["kpi_values"]] == [
            (6.0, "csv"),
            (5.5, "http"),
        ]
    source.engine.dispose()


def test_new_rows_after_a_restore_get_new_ids(
    database: Database, tmp_path: Path, sqlite_template: Path
) -> None:
    source = source_database(tmp_path, sqlite_template)
    with unit_of_work(source.sessions) as uow:
        workspace_id = import_workspace(uow, load_sample()).workspace_id
    document = export(source, workspace_id)
    restore(database, document)
    with unit_of_work(database.sessions, workspace_id) as uow:
        logged = log_request(
            uow,
            NewRequest(
                requester_slack_id="U0NEW00001",
                text="a request after the restore",
                source=RequestSource.COMMAND,
                idempotency_key="after",
            ),
        )
        theme = uow.themes.add("A theme after the restore")
    assert logged.id > max(r["id"] for r in document["requests"])
    assert theme.id > max(t["id"] for t in document["themes"])
    with pytest.raises(WorkspaceFileError, match="restore it into an empty database"):
        restore(database, document)
    source.engine.dispose()
