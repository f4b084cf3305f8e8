"""Domains from Slack: admins add, rename and retire them with owners and digest
channels (told when the bot is not in the channel); each person picks their own."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.services.forms import form_choices
from storage.models import AuditEntry, Domain, User
from storage.unit_of_work import UnitOfWork
from tests.fakes import slack_ids as ids
from tests.fakes.slack_requests import block_action, view_submission
from tests.fixtures.app import ADMIN_ID, RunningApp
from tests.integration.app.checks import (
    all_text,
    open_home,
    roadmap_reply,
    valid_view,
)
from tests.integration.app.seed import ASKERS, seed_workspace

OUTSIDER = "U0OUTSIDE1"
CI_CHANNEL = "C0CIBUILDS"
DATA_CHANNEL = "C0DATAMESH"


def roadmap(app: RunningApp, text: str, user: str) -> str:
    return roadmap_reply(app, text, user)


def domain_state(name: str, channel: str | None = None, *, retire: bool = False) -> dict:
    return {
        "name": {"name": {"type": "plain_text_input", "value": name}},
        "description": {"description": {"type": "plain_text_input", "value": "Builds and CI"}},
        "owner": {"owner": {"type": "users_select", "selected_user": ASKERS[0]}},
        "channel": {"channel": {"type": "conversations_select", "selected_conversation": channel}},
        "retired": {
            "retired": {
                "type": "checkboxes",
                "selected_options": [{"value": "yes"}] if retire else [],
            }
        },
    }


def submit(app: RunningApp, state: dict, domain_id: int | None = None, user: str = ADMIN_ID):
    meta = json.dumps({"domain_id": domain_id} if domain_id else {})
    status, body = app.send(
        view_submission("domain_modal", state, user_id=user, private_metadata=meta)
    )
    assert status == 200
    return json.loads(body) if body else None


def domains(app: RunningApp) -> dict[str, Domain]:
    with app.db.sessions() as session:
        return {d.name: d for d in session.scalars(select(Domain))}


def test_admins_manage_domains_from_slack(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    workspace = running_app.slack.workspace
    workspace.channel_members[CI_CHANNEL] = [ASKERS[0]]
    workspace.channel_members[DATA_CHANNEL] = [workspace.identity.bot_user_id]
    assert "Only the platform's product managers" in roadmap(running_app, "domains", OUTSIDER)
    listed = roadmap(running_app, "domains", ADMIN_ID)
    assert "Add a domain" in listed

    running_app.send(block_action("domain_add", "new", user_id=ADMIN_ID, trigger_id="t1"))
    [opened] = running_app.slack.wait_for("views.open")
    assert valid_view(opened.param("view"))["callback_id"] == "domain_modal"

    warned = submit(running_app, domain_state("CI", CI_CHANNEL))
    assert warned is not None
    assert warned["response_action"] == "update"
    assert "not a member of" in all_text(valid_view(warned["view"])["blocks"])
    ci = domains(running_app)["CI"]
    assert (ci.owner_slack_id, ci.digest_channel) == (ASKERS[0], CI_CHANNEL)

    assert submit(running_app, domain_state("CI")) == {
        "response_action": "errors",
        "errors": {"name": "There is already a domain called “CI”."},
    }
    forged = submit(running_app, domain_state("Hack"), user=OUTSIDER)
    assert forged is not None
    assert forged["response_action"] == "errors"

    assert submit(running_app, domain_state("CI/CD", DATA_CHANNEL), ci.id) is None
    assert set(domains(running_app)) >= {"CI/CD"}
    assert "CI" not in domains(running_app)
    assert "CI/CD" in roadmap(running_app, "domains", ADMIN_ID)

    assert submit(running_app, domain_state("CI/CD", retire=True), ci.id) is None
    assert domains(running_app)["CI/CD"].retired_at is not None
    with running_app.db.sessions() as session:
        assert "CI/CD" not in form_choices(UnitOfWork(session, ids.TEAM_ID), ASKERS[0]).domains
        actions = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-3:] == ["domain.add", "domain.edit", "domain.retire"]
    assert "retired" in roadmap(running_app, "domains", ADMIN_ID)


def test_a_person_picks_their_domain_in_app_home(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    submit(running_app, domain_state("Data mesh"))
    data = domains(running_app)["Data mesh"]
    user = ASKERS[1]
    home = open_home(running_app, user)
    [picker] = [b for b in home["blocks"] if b.get("accessory", {}).get("action_id") == "my_domain"]
    assert "initial_option" not in picker["accessory"]
    picked = block_action(
        "my_domain",
        user_id=user,
        action_type="static_select",
        action={"selected_option": {"value": str(data.id)}},
        view={"id": "V0HOME", "type": "home"},
    )
    assert running_app.send(picked)[0] == 200
    running_app.slack.wait_for("views.publish", count=2)
    with running_app.db.sessions() as session:
        person = session.scalar(select(User).where(User.slack_id == user))
        assert person is not None
        assert person.domain_id == data.id
        assert form_choices(UnitOfWork(session, ids.TEAM_ID), user).default_domain == "Data mesh"
    republished = valid_view(running_app.slack.wait_for("views.publish", count=2)[-1].param("view"))
    [picker] = [
        b for b in republished["blocks"] if b.get("accessory", {}).get("action_id") == "my_domain"
    ]
    assert picker["accessory"]["initial_option"]["value"] == str(data.id)
