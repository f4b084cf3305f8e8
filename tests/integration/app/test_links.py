"""`/roadmap link` and `unlink`: admins tie a theme to tracker items; the theme shows them,
keeps its id (a PM's theme), and the audit log and the backup carry them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from storage.models import Theme, ThemeLink
from tests.fakes.slack_api import FakeSlackAPI
from tests.fixtures.app import ADMIN_ID, RunningApp, serve_app
from tests.fixtures.databases import Database
from tests.integration.app.checks import all_text, open_home, roadmap_reply
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
