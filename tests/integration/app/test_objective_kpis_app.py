"""Objective KPIs through the app: an admin gives an objective a KPI in the Objectives
modal (the modal says what is wrong on its field, and the change is audited); the next
modal shows it; `/roadmap stats` lists the objective with its latest value."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services.objective_kpis import KpiMeasurement, record_kpi_values
from storage.models import AuditEntry, Objective
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_requests import slash_command, view_submission
from tests.fixtures.app import ADMIN_ID, RunningApp
from tests.integration.app.checks import valid_view
from tests.integration.app.seed import TEAM, seed_workspace
from tests.integration.app.test_roadmap import roadmap


def kpi_state(direction: str | None, target: str | None = "3") -> dict:
    """The seeded objective (id 1) with a KPI; the new objective left empty."""
    return {
        "objective:1:name": {
            "name": {"type": "plain_text_input", "value": "Faster time-to-market"}
        },
        "objective:1:weight": {"weight": {"type": "number_input", "value": "2"}},
        "objective:1:kpi_name": {"kpi_name": {"type": "plain_text_input", "value": "Lead time"}},
        "objective:1:kpi_unit": {"kpi_unit": {"type": "plain_text_input", "value": "days"}},
        "objective:1:kpi_direction": {
            "kpi_direction": {
                "type": "static_select",
                "selected_option": {"value": direction} if direction else None,
            }
        },
        "objective:1:kpi_target": {"kpi_target": {"type": "number_input", "value": target}},
        "objective:new:name": {"name": {"type": "plain_text_input", "value": None}},
    }


def open_modal(app: RunningApp) -> dict:
    before = len(app.slack.calls("views.open"))
    app.send(slash_command("/roadmap", "objectives", user_id=ADMIN_ID))
    call = app.slack.wait_for("views.open", count=before + 1)[-1]
    return valid_view(call.param("view"))


def test_an_admin_sets_a_kpi_in_the_modal_and_stats_show_it(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    open_modal(running_app)
    missing = view_submission("objectives_modal", kpi_state(None), user_id=ADMIN_ID)
    errors = json.loads(running_app.send(missing)[1])["errors"]
    assert "which way is better" in errors["objective:1:kpi_direction"]
    good = view_submission("objectives_modal", kpi_state("down"), user_id=ADMIN_ID)
    assert running_app.send(good) == (200, "")
    with running_app.db.sessions() as session:
        objective = session.scalars(select(Objective)).one()
        assert (objective.kpi_name, objective.kpi_unit, objective.kpi_direction) == (
            "Lead time",
            "days",
            "down",
        )
        assert objective.kpi_target == 3.0
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "objective.edit"))
        [entry] = list(audit)
        assert entry.details["kpi"]["name"] == "Lead time"
    fields = {b["block_id"]: b for b in open_modal(running_app)["blocks"] if b["type"] == "input"}
    assert fields["objective:1:kpi_name"]["element"]["initial_value"] == "Lead time"
    now = datetime.now(UTC)
    with unit_of_work(running_app.db.sessions, TEAM) as uow:
        measurements = [
            KpiMeasurement("Faster time-to-market", 5, now - timedelta(days=40)),
            KpiMeasurement("Faster time-to-market", 4.5, now - timedelta(days=1)),
        ]
        record_kpi_values(uow, measurements, "cli", now)
    stats = roadmap(running_app, "stats")
    assert "Faster time-to-market* — Lead time: *4.5 days*" in stats
    assert "↓ 0.5 days in 30 days, *better*" in stats
    assert "1.5 days to target 3 days" in stats
