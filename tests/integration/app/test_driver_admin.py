"""Drivers from Slack: `/roadmap drivers` lists them (the defaults on first use) with Edit
and Add; the one-driver modal renames, rewords and retires, audited; only admins."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.services.drivers import DEFAULT_DRIVERS
from bot.slack.blocks.roadmap import ROADMAP_HELP
from storage.models import AuditEntry, Driver
from tests.fakes.slack_requests import block_action, view_submission
from tests.fixtures.app import ADMIN_ID, RunningApp
from tests.integration.app.checks import roadmap_reply, valid_view

OUTSIDER = "U0OUTSIDE1"


def driver_state(name: str, description: str = "", *, retire: bool = False) -> dict:
    return {
        "name": {"name": {"type": "plain_text_input", "value": name}},
        "description": {"description": {"type": "plain_text_input", "value": description}},
        "retired": {
            "retired": {
                "type": "checkboxes",
                "selected_options": [{"value": "yes"}] if retire else [],
            }
        },
    }


def submit(app: RunningApp, state: dict, driver_id: int | None = None, user: str = ADMIN_ID):
    meta = json.dumps({"driver_id": driver_id} if driver_id else {})
    status, body = app.send(
        view_submission("driver_modal", state, user_id=user, private_metadata=meta)
    )
    assert status == 200
    return json.loads(body) if body else None


def drivers(app: RunningApp) -> dict[str, Driver]:
    with app.db.sessions() as session:
        return {d.key: d for d in session.scalars(select(Driver))}


def test_only_admins_see_and_change_the_drivers(running_app: RunningApp) -> None:
    assert "Only the platform's product managers" in roadmap_reply(running_app, "drivers", OUTSIDER)
    assert drivers(running_app) == {}  # a refusal creates nothing
    running_app.send(block_action("driver_add", "new", user_id=OUTSIDER, trigger_id="t0"))
    forged = submit(running_app, driver_state("Hack", "x"), user=OUTSIDER)
    assert forged is not None
    assert forged["response_action"] == "errors"
    assert running_app.slack.calls("views.open") == []
    assert drivers(running_app) == {}


def test_admins_list_add_edit_and_retire_drivers(running_app: RunningApp) -> None:
    listed = roadmap_reply(running_app, "drivers", ADMIN_ID)
    assert "Add a driver" in listed
    for default in DEFAULT_DRIVERS:
        assert default.name in listed
    build = drivers(running_app)["build_speed"]

    running_app.send(block_action("driver_edit", str(build.id), user_id=ADMIN_ID, trigger_id="t1"))
    [opened] = running_app.slack.wait_for("views.open")
    modal = valid_view(opened.param("view"))
    assert modal["callback_id"] == "driver_modal"
    assert json.loads(modal["private_metadata"]) == {"driver_id": build.id}
    assert modal["blocks"][0]["element"]["initial_value"] == "Build speed"

    edited = submit(running_app, driver_state("CI speed", "My builds are fast."), build.id)
    assert edited is None
    build = drivers(running_app)["build_speed"]  # the key stays; answers keep their driver
    assert (build.name, build.description, build.active) == (
        "CI speed",
        "My builds are fast.",
        True,
    )

    assert submit(running_app, driver_state("Documentation", "dup")) == {
        "response_action": "errors",
        "errors": {"name": "There is already a driver called “Documentation”."},
    }
    assert (
        submit(running_app, driver_state("Test flakiness", "My tests fail only for real.")) is None
    )
    added = drivers(running_app)["test_flakiness"]
    assert added.position > build.position

    assert submit(running_app, driver_state("Test flakiness", "x", retire=True), added.id) is None
    assert drivers(running_app)["test_flakiness"].active is False
    listed = roadmap_reply(running_app, "drivers", ADMIN_ID)
    assert "retired" in listed
    with running_app.db.sessions() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["driver.edit", "driver.add", "driver.retire"]
    assert entries[0].details["from"]["name"] == "Build speed"
    assert all(e.actor == ADMIN_ID for e in entries)


def test_help_mentions_drivers() -> None:
    assert "`/roadmap drivers`" in ROADMAP_HELP
