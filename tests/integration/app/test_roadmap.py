"""/roadmap: the ranking, one theme, my requests, stats, and the admin-only changes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from storage.enums import ThemeStatus
from storage.models import AuditEntry, OutboxMessage, Request, Theme, Vote
from tests.fakes.slack_requests import block_action, slash_command, view_submission
from tests.fixtures.app import ADMIN_ID, RunningApp
from tests.integration.app.checks import all_text, valid_blocks, valid_view
from tests.integration.app.seed import ASKERS, seed_workspace

OUTSIDER = "U0OUTSIDE1"


def roadmap(app: RunningApp, text: str, user: str = OUTSIDER) -> str:
    """Run /roadmap and return the text of the ephemeral answer it sends after the ack."""
    name = f"{user}-{len(app.slack.calls('response_url'))}"
    status, body = app.send(
        slash_command("/roadmap", text, user_id=user, response_url=app.slack.response_url(name))
    )
    assert status == 200
    assert body == ""
    app.slack.wait_for("response_url", where=lambda c: c.path.endswith(name))
    [answer] = app.slack.responses(name)
    return all_text(valid_blocks(answer.param("blocks")))


def test_ranking_shows_themes_with_buttons(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    text = roadmap(running_app, "")
    assert "Remote build cache for CI" in text
    assert "One-click deploy rollback" in text


def test_theme_detail_mine_and_stats(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    detail = roadmap(running_app, f"theme {seeded.ci_theme}")
    assert "Score breakdown" in detail
    assert "CI builds are way too slow" in detail
    assert "There is no theme #999" in roadmap(running_app, "theme 999")
    assert "not a theme or request number" in roadmap(running_app, "theme abc")
    mine = roadmap(running_app, "mine", user=ASKERS[0])
    assert "Your requests" in mine
    assert "remote build cache" in mine
    stats = roadmap(running_app, "stats")
    assert "request" in stats
    assert "Developer satisfaction" in stats


def test_help_and_unknown_subcommands(running_app: RunningApp) -> None:
    status, body = running_app.send(slash_command("/roadmap", "help"))
    assert status == 200
    shown = all_text(valid_blocks(json.loads(body)["blocks"]))
    assert "/roadmap status" in shown
    assert "/roadmap pulse start" in shown
    assert "/roadmap help" in roadmap(running_app, "frobnicate")


@pytest.mark.parametrize(
    "command",
    ["status {ci} shipped", "merge {ci} {rollback}", "split {request}", "effort {ci} S"],
)
def test_a_non_admin_changes_nothing(running_app: RunningApp, command: str) -> None:
    seeded = seed_workspace(running_app.db)
    before = snapshot(running_app)
    text = roadmap(
        running_app,
        command.format(
            ci=seeded.ci_theme, rollback=seeded.rollback_theme, request=seeded.ci_requests[0]
        ),
    )
    assert "Only the platform's product managers" in text
    assert snapshot(running_app) == before


def test_status_change_is_audited_and_queues_one_notice_per_person(
    running_app: RunningApp,
) -> None:
    seeded = seed_workspace(running_app.db)
    running_app.send(
        block_action(
            "vote_theme",
            str(seeded.ci_theme),
            user_id="U0VOTER001",
            response_url=running_app.slack.response_url("v"),
        )
    )
    running_app.slack.wait_for("response_url")
    text = roadmap(
        running_app, f"status {seeded.ci_theme} shipped Cache is live <!here>", user=ADMIN_ID
    )
    assert "is now shipped" in text
    roadmap(running_app, f"status {seeded.ci_theme} shipped again", user=ADMIN_ID)
    with running_app.db.sessions() as session:
        theme = session.get(Theme, seeded.ci_theme)
        assert theme is not None
        assert theme.status == ThemeStatus.SHIPPED
        notices = session.scalars(select(OutboxMessage)).all()
        assert sorted(m.channel for m in notices) == sorted([*ASKERS, "U0VOTER001"])
        assert all("&lt;!here&gt;" in json.dumps(m.payload) for m in notices)
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "theme.status"))
        assert entry.actor == ADMIN_ID
        assert entry.details["to"] == "shipped"


def test_declining_needs_a_reason(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    assert "Say why" in roadmap(running_app, f"status {seeded.ci_theme} declined", user=ADMIN_ID)
    assert "is not a status" in roadmap(
        running_app, f"status {seeded.ci_theme} done", user=ADMIN_ID
    )


def test_merge_moves_requests_and_votes_and_pins_them(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    running_app.send(
        block_action(
            "vote_theme",
            str(seeded.rollback_theme),
            user_id="U0VOTER001",
            response_url=running_app.slack.response_url("v"),
        )
    )
    running_app.slack.wait_for("response_url")
    text = roadmap(running_app, f"merge {seeded.rollback_theme} {seeded.ci_theme}", user=ADMIN_ID)
    assert "merged into" in text
    with running_app.db.sessions() as session:
        moved = session.scalars(select(Request).where(Request.theme_id == seeded.ci_theme)).all()
        assert len(moved) == 5
        assert sum(r.pinned_to_theme for r in moved) == 2
        [vote] = session.scalars(select(Vote)).all()
        assert vote.theme_id == seeded.ci_theme
        source = session.get(Theme, seeded.rollback_theme)
        assert source is not None
        assert source.merged_into_id == seeded.ci_theme
    assert "cannot be merged into itself" in roadmap(
        running_app, f"merge {seeded.ci_theme} {seeded.ci_theme}", user=ADMIN_ID
    )
    again = roadmap(running_app, f"merge {seeded.rollback_theme} {seeded.ci_theme}", user=ADMIN_ID)
    assert f"Theme #{seeded.rollback_theme} is already merged into #{seeded.ci_theme}" in again
    backwards = roadmap(
        running_app, f"merge {seeded.ci_theme} {seeded.rollback_theme}", user=ADMIN_ID
    )
    assert f"Theme #{seeded.rollback_theme} is already merged into #{seeded.ci_theme}" in backwards


def test_split_and_effort(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    request_id = seeded.ci_requests[1]
    assert "stands alone" in roadmap(
        running_app, f"split {request_id} Dependency caching", user=ADMIN_ID
    )
    assert "effort is now L" in roadmap(running_app, f"effort {seeded.ci_theme} l", user=ADMIN_ID)
    assert "Usage" in roadmap(running_app, f"effort {seeded.ci_theme} huge", user=ADMIN_ID)
    with running_app.db.sessions() as session:
        request = session.get(Request, request_id)
        assert request is not None
        assert request.pinned_to_theme
        assert request.theme_id not in (seeded.ci_theme, None)
        theme = session.get(Theme, request.theme_id)
        assert theme is not None
        assert theme.label == "Dependency caching"


def test_details_button_opens_the_theme_modal(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    running_app.send(block_action("theme_details", str(seeded.ci_theme)))
    [call] = running_app.slack.wait_for("views.open")
    assert "Score breakdown" in all_text(valid_view(call.param("view"))["blocks"])


def objectives_state(weight: str, retire: bool = False, new_name: str = "") -> dict:
    return {
        "objective:1:name": {
            "name": {"type": "plain_text_input", "value": "Faster time-to-market"}
        },
        "objective:1:description": {"description": {"type": "plain_text_input", "value": "x"}},
        "objective:1:keywords": {"keywords": {"type": "plain_text_input", "value": "fast, ship"}},
        "objective:1:weight": {"weight": {"type": "number_input", "value": weight}},
        "objective:1:retire": {
            "retire": {
                "type": "checkboxes",
                "selected_options": [{"value": "retire"}] if retire else [],
            }
        },
        "objective:new:name": {"name": {"type": "plain_text_input", "value": new_name or None}},
        "objective:new:weight": {"weight": {"type": "number_input", "value": "2"}},
    }


def test_objectives_modal_is_for_admins_and_saves_changes(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    assert "Only the platform's product managers" in roadmap(running_app, "objectives")
    running_app.send(slash_command("/roadmap", "objectives", user_id=ADMIN_ID))
    [call] = running_app.slack.wait_for("views.open")
    valid_view(call.param("view"))
    forged = view_submission(
        "objectives_modal", objectives_state("9", new_name="Hack"), user_id=OUTSIDER
    )
    _status, body = running_app.send(forged)
    assert json.loads(body)["response_action"] == "errors"
    bad = view_submission("objectives_modal", objectives_state("eleven"), user_id=ADMIN_ID)
    assert "objective:1:weight" in json.loads(running_app.send(bad)[1])["errors"]
    good = view_submission(
        "objectives_modal", objectives_state("3", new_name="Cost"), user_id=ADMIN_ID
    )
    assert running_app.send(good) == (200, "")
    with running_app.db.sessions() as session:
        from storage.models import Objective

        rows = {o.name: o for o in session.scalars(select(Objective))}
        assert rows["Faster time-to-market"].weight == 3
        assert rows["Cost"].weight == 2
        assert "Hack" not in rows


def snapshot(app: RunningApp) -> tuple:
    with app.db.sessions() as session:
        themes = [
            (t.id, t.status, t.effort, t.merged_into_id, t.label)
            for t in session.scalars(select(Theme).order_by(Theme.id))
        ]
        requests = [
            (r.id, r.theme_id, r.pinned_to_theme)
            for r in session.scalars(select(Request).order_by(Request.id))
        ]
        audit = session.scalars(select(AuditEntry)).all()
        outbox = session.scalars(select(OutboxMessage)).all()
        return themes, requests, len(audit), len(outbox)


def test_admins_read_the_audit_log_from_slack(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    ci, rollback = seeded.ci_theme, seeded.rollback_theme
    roadmap(running_app, f"status {ci} planned next sprint", user=ADMIN_ID)
    roadmap(running_app, f"rename {ci} Faster CI builds", user=ADMIN_ID)
    roadmap(running_app, f"merge {rollback} {ci}", user=ADMIN_ID)
    log = roadmap(running_app, "audit", user=ADMIN_ID)
    assert f"<@{ADMIN_ID}>" in log
    assert "<!date^" in log
    assert f"#{ci}: status open → planned — next sprint" in log
    assert f"#{ci} renamed “Remote build cache for CI” → “Faster CI builds”" in log
    assert f"#{rollback} merged into #{ci}" in log
    assert log.index("merged into") < log.index("renamed") < log.index("status open")
    latest = roadmap(running_app, "audit 1", user=ADMIN_ID)
    assert "merged into" in latest
    assert "renamed" not in latest
    assert "Only the platform's product managers" in roadmap(running_app, "audit")
    assert "is not a number" in roadmap(running_app, "audit lots", user=ADMIN_ID)
