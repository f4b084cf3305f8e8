"""`/roadmap link` and `unlink`: admins tie a theme to tracker items; the theme shows them,
keeps its id (a PM's theme), and the audit log and the backup carry them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.services.roadmap.following import (
    PROPOSAL_KIND,
    WONT_SHIP_KIND,
    FollowMode,
    FollowPolicy,
)
from bot.services.roadmap.links import Tracker, record_item_state
from bot.slack.blocks.ids import FOLLOW_CONFIRM_ACTION, FOLLOW_DISMISS_ACTION
from storage.models import OutboxMessage, Theme, ThemeLink
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import block_action
from tests.fixtures.app import ADMIN_ID, RunningApp, serve_app
from tests.fixtures.databases import Database
from tests.integration.app.checks import all_text, open_home, roadmap_reply, valid_blocks
from tests.integration.app.seed import seed_workspace

ISSUE = "https://github.com/acme/ci/issues/12"


@pytest.fixture
def app_with_trackers(slack: FakeSlackAPI, sqlite_database: Database) -> Iterator[RunningApp]:
    yield from serve_app(
        slack,
        sqlite_database,
        github_token="ghp_test",
        jira_url="https://acme.atlassian.net",
        jira_token="jira-test",
    )


def roadmap(app: RunningApp, text: str, user: str = ADMIN_ID) -> str:
    return roadmap_reply(app, text, user)


def test_admins_link_and_unlink_tracker_items(app_with_trackers: RunningApp) -> None:
    app = app_with_trackers
    ci = seed_workspace(app.db).ci_theme
    assert "Only the platform's product managers" in roadmap(app, f"link {ci} {ISSUE}", "U0OTHER01")
    assert f"Theme #{ci} is linked to GitHub acme/ci#12." in roadmap(app, f"link {ci} <{ISSUE}>")
    assert "linked to GitHub acme/ci#12 already" in roadmap(app, f"link {ci} {ISSUE}")
    jira = "https://acme.atlassian.net/browse/CI-7"
    assert "linked to Jira CI-7" in roadmap(app, f"link {ci} {jira}")
    assert "is not a configured tracker" in roadmap(
        app, f"link {ci} https://linear.app/a/issue/X-1"
    )
    assert "Usage: `/roadmap link N" in roadmap(app, f"link {ci}")

    ranking = roadmap(app, "")
    assert f"Delivery: <{ISSUE}|GitHub acme/ci#12> — state not read yet" in ranking
    home = all_text(open_home(app, ADMIN_ID)["blocks"])
    assert f"<{ISSUE}|GitHub acme/ci#12>" in home
    detail = roadmap(app, f"theme {ci}")
    assert f"<{ISSUE}|GitHub acme/ci#12> — state not read yet" in detail
    assert "<https://acme.atlassian.net/browse/CI-7|Jira CI-7>" in detail
    with app.db.sessions() as session:
        theme = session.get(Theme, ci)
        assert theme is not None
        assert theme.locked  # a linked theme is a PM's: re-grouping keeps it whole

    assert "no longer linked to Jira CI-7" in roadmap(app, f"unlink {ci} {jira}")
    assert "has no link to Jira CI-7" in roadmap(app, f"unlink {ci} {jira}")
    with app.db.sessions() as session:
        assert [link.item for link in session.scalars(select(ThemeLink))] == ["acme/ci#12"]
    log = roadmap(app, "audit")
    assert f"#{ci} linked to GitHub acme/ci#12" in log
    assert f"#{ci} unlinked from Jira CI-7" in log


def test_the_pm_marks_a_theme_shipped_from_the_proposal_dm(app_with_trackers: RunningApp) -> None:
    app = app_with_trackers
    ci = seed_workspace(app.db).ci_theme
    roadmap(app, f"link {ci} {ISSUE}")
    policy = FollowPolicy.from_settings(app.settings)
    assert policy.mode == FollowMode.CONFIRM  # the default
    with unit_of_work(app.db.sessions) as uow:
        record_item_state(uow, Tracker.GITHUB, "acme/ci#12", "not_planned", policy=policy)
        record_item_state(uow, Tracker.GITHUB, "acme/ci#12", "done", policy=policy)
    with app.db.sessions() as session:
        dms = {m.kind: m for m in session.scalars(select(OutboxMessage))}
    wont_ship = all_text(valid_blocks(dms[WONT_SHIP_KIND].payload["args"]["blocks"]))
    assert f"`/roadmap unlink {ci} <URL>`" in wont_ship
    blocks = valid_blocks(dms[PROPOSAL_KIND].payload["args"]["blocks"])
    assert dms[PROPOSAL_KIND].channel == ADMIN_ID
    buttons = {b["action_id"]: b["value"] for b in blocks[1]["elements"]}

    def click(action_id: str, user: str, name: str) -> str:
        request = block_action(
            action_id, buttons[action_id], user, response_url=app.slack.response_url(name)
        )
        assert app.send(request)[0] == 200
        app.slack.wait_for("response_url", where=lambda c: c.path.endswith(name))
        return all_text(valid_blocks(app.slack.responses(name)[-1].param("blocks")))

    assert "Left #" in click(FOLLOW_DISMISS_ACTION, ADMIN_ID, "dismiss")
    assert "product managers" in click(FOLLOW_CONFIRM_ACTION, "U0OTHER01", "other")
    assert f"Theme #{ci} is now shipped; 3 people will hear about it." in click(
        FOLLOW_CONFIRM_ACTION, ADMIN_ID, "pm"
    )
    assert f"Theme #{ci} is already shipped." in click(FOLLOW_CONFIRM_ACTION, ADMIN_ID, "again")
    assert f"#{ci}: status open → shipped — Delivered: GitHub acme/ci#12." in roadmap(app, "audit")
