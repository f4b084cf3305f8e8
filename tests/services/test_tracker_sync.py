"""Polling the trackers (`sync_linked_items` with the real HTTP clients against a loopback
fake of GitHub, Jira and Linear): states land on every link to an item, each item is read
once, unknown items and failures are reported, a rate limit stops that tracker until it
lifts (remembered across runs and replicas), and the token never shows."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.runtime.trackers.github import GitHubReader
from bot.runtime.trackers.jira import JiraReader
from bot.runtime.trackers.linear import LinearReader
from bot.services.notifications import STATUS_NOTICE_KIND
from bot.services.roadmap.following import FollowMode, FollowPolicy
from bot.services.roadmap.links import Tracker
from bot.services.roadmap.sync import ItemReader, SyncReport, sync_linked_items
from storage.models import OutboxMessage
from storage.unit_of_work import unit_of_work
from tests.fakes.trackers_api import FakeTrackersAPI
from tests.fixtures.databases import Database
from tests.fixtures.tracker_links import link_items, link_states
from tests.integration.app.seed import ASKERS, TEAM, seed_workspace

GITHUB_TOKEN = "ghp-secret-4242"
JIRA_TOKEN = "atl-secret-4242"
LINEAR_TOKEN = "lin_api_secret_4242"
TOKENS = (GITHUB_TOKEN, JIRA_TOKEN, LINEAR_TOKEN)
WS1, WS2 = "T0SYNC0001", "T0SYNC0002"

POLICY = FollowPolicy(FollowMode.CONFIRM, frozenset({"U0PMADMIN1"}))


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def trackers() -> Iterator[FakeTrackersAPI]:
    with FakeTrackersAPI(
        github_token=GITHUB_TOKEN,
        jira_token=JIRA_TOKEN,
        jira_email="pm@acme.test",
        linear_token=LINEAR_TOKEN,
    ) as fake:
        yield fake


def readers(fake: FakeTrackersAPI, *, github_token: str = GITHUB_TOKEN) -> list[ItemReader]:
    return [
        GitHubReader(fake.github_api, SecretStr(github_token)),
        JiraReader(fake.jira_site, SecretStr(JIRA_TOKEN), "pm@acme.test"),
        LinearReader(fake.linear_api, SecretStr(LINEAR_TOKEN)),
    ]


def by_tracker(report: SyncReport) -> dict[str, dict[str, object]]:
    return {
        t.tracker.value: {
            "read": t.read,
            "changed": t.changed,
            "unknown": t.unknown,
            "skipped": t.skipped,
            "errors": t.errors,
        }
        for t in report.trackers
    }


def test_each_trackers_states_land_on_every_link_to_the_item(
    database: Database, trackers: FakeTrackersAPI
) -> None:
    link_items(
        database.sessions,
        WS1,
        [
            ("github", "acme/ci#1"),
            ("github", "acme/ci#2"),
            ("github", "acme/ci#3"),
            ("github", "acme/ci#4"),
            ("jira", "PLAT-1"),
            ("jira", "PLAT-2"),
            ("jira", "PLAT-3"),
            ("linear", "ENG-1"),
            ("linear", "ENG-2"),
            ("linear", "ENG-3"),
        ],
    )
    link_items(database.sessions, WS2, [("github", "acme/ci#1"), ("linear", "ENG-1")])
    trackers.github_issue("acme/ci#1", "closed", state_reason="completed")
    trackers.github_issue("acme/ci#2", "open", assignees=1)
    trackers.github_pull("acme/ci#3", "closed", merged=True)
    trackers.github_issue("acme/ci#4", "closed", state_reason="not_planned")
    trackers.jira_issue("PLAT-1", "indeterminate")
    trackers.jira_issue("PLAT-2", "done", resolution="Won't Do")
    trackers.jira_issue("PLAT-3", "done", resolution="Done")
    trackers.linear_issue("ENG-1", "started")
    trackers.linear_issue("ENG-2", "canceled")
    trackers.linear_issue("ENG-3", "backlog")

    report = sync_linked_items(database.sessions, readers(trackers), now, policy=POLICY)

    assert link_states(database.sessions) == {
        (WS1, "github", "acme/ci#1"): "done",
        (WS1, "github", "acme/ci#2"): "in_progress",
        (WS1, "github", "acme/ci#3"): "done",
        (WS1, "github", "acme/ci#4"): "not_planned",
        (WS1, "jira", "PLAT-1"): "in_progress",
        (WS1, "jira", "PLAT-2"): "not_planned",
        (WS1, "jira", "PLAT-3"): "done",
        (WS1, "linear", "ENG-1"): "in_progress",
        (WS1, "linear", "ENG-2"): "not_planned",
        (WS1, "linear", "ENG-3"): "open",
        (WS2, "github", "acme/ci#1"): "done",
        (WS2, "linear", "ENG-1"): "in_progress",
    }
    assert by_tracker(report) == {
        "github": {"read": 4, "changed": 4, "unknown": 0, "skipped": 0, "errors": 0},
        "jira": {"read": 3, "changed": 3, "unknown": 0, "skipped": 0, "errors": 0},
        "linear": {"read": 3, "changed": 3, "unknown": 0, "skipped": 0, "errors": 0},
    }
    # each item once, however many workspaces link it; the closed pull request twice
    github_paths = sorted(r.path for r in trackers.requests("github"))
    assert github_paths == [
        "/repos/acme/ci/issues/1",
        "/repos/acme/ci/issues/2",
        "/repos/acme/ci/issues/3",
        "/repos/acme/ci/issues/4",
        "/repos/acme/ci/pulls/3",
    ]
    assert len(trackers.requests("linear")) == 3
    # the headers each API documents
    github = trackers.requests("github")[0]
    assert github.headers["authorization"] == f"Bearer {GITHUB_TOKEN}"
    assert github.headers["accept"] == "application/vnd.github+json"
    assert github.headers["x-github-api-version"] == "2022-11-28"
    jira = trackers.requests("jira")[0]
    assert jira.headers["authorization"] == trackers.expected_auth["jira"]
    assert jira.headers["authorization"].startswith("Basic ")
    assert jira.query == "fields=status,resolution"
    linear = trackers.requests("linear")[0]
    assert linear.headers["authorization"] == LINEAR_TOKEN
    assert linear.method == "POST"

    again = sync_linked_items(database.sessions, readers(trackers), now, policy=POLICY)
    assert [t.changed for t in again.trackers] == [0, 0, 0]
    assert [t.read for t in again.trackers] == [4, 3, 3]


def test_a_data_center_pat_is_sent_as_a_bearer_token(database: Database) -> None:
    link_items(database.sessions, WS1, [("jira", "OPS-7")])
    with FakeTrackersAPI(jira_token=JIRA_TOKEN, jira_email=None) as fake:
        fake.jira_issue("OPS-7", "new")
        reader = JiraReader(fake.jira_site, SecretStr(JIRA_TOKEN))
        report = sync_linked_items(database.sessions, [reader], now, policy=POLICY)
        assert fake.requests("jira")[0].headers["authorization"] == f"Bearer {JIRA_TOKEN}"
    assert report.trackers[0].read == 1
    assert link_states(database.sessions)[(WS1, "jira", "OPS-7")] == "open"


def test_an_unknown_item_is_reported_and_the_others_are_read(
    database: Database, trackers: FakeTrackersAPI
) -> None:
    link_items(
        database.sessions,
        WS1,
        [
            ("github", "acme/ci#9"),
            ("github", "acme/ci#10"),
            ("jira", "GONE-1"),
            ("linear", "ENG-404"),
        ],
    )
    trackers.github_issue("acme/ci#10", "open")

    report = sync_linked_items(database.sessions, readers(trackers), now, policy=POLICY)

    assert [(t.read, t.unknown, t.errors) for t in report.trackers] == [
        (1, 1, 0),
        (0, 1, 0),
        (0, 1, 0),
    ]
    lines = "\n".join(report.lines())
    assert "GitHub acme/ci#9: not found (404)" in lines
    assert "Jira GONE-1: not found (404)" in lines
    assert "Linear ENG-404: not found" in lines
    assert not report.all_failed
    states = link_states(database.sessions)
    assert states[(WS1, "github", "acme/ci#9")] is None
    assert states[(WS1, "github", "acme/ci#10")] == "open"


def test_a_rate_limit_stops_that_tracker_until_it_lifts_and_says_when(
    database: Database, trackers: FakeTrackersAPI
) -> None:
    items = [("github", f"acme/ci#{n}") for n in range(1, 4)]
    link_items(database.sessions, WS1, [*items, ("jira", "PLAT-1"), ("linear", "ENG-1")])
    for _, item in items:
        trackers.github_issue(item, "open")
    trackers.jira_issue("PLAT-1", "done")
    trackers.linear_issue("ENG-1", "completed")
    trackers.limit("github", reset_in=3600)  # 403, x-ratelimit-remaining 0, reset in an hour

    report = sync_linked_items(database.sessions, readers(trackers), now, policy=POLICY)

    github = report.trackers[0]
    assert len(trackers.requests("github")) == 1, "asked nothing more once limited"
    assert (github.read, github.skipped, github.errors) == (0, 3, 0)
    assert github.limited_until is not None
    assert abs(github.limited_until - (now() + timedelta(hours=1))) < timedelta(seconds=10)
    until = github.limited_until.strftime("%H:%M")
    assert (
        "GitHub: 0 read, 0 changed, 0 unknown, 0 failed; "
        f"rate-limited until {until} UTC, 3 items left for the next run" in report.lines()
    )
    assert [t.read for t in report.trackers[1:]] == [1, 1], "the others keep syncing"
    assert not report.all_failed

    # the next run (any replica) leaves GitHub alone until the limit lifts
    later = sync_linked_items(database.sessions, readers(trackers), now, policy=POLICY)
    assert len(trackers.requests("github")) == 1
    assert later.trackers[0].skipped == 3
    assert later.trackers[0].limited_until == github.limited_until

    # once it has lifted, everything is read
    lifted = sync_linked_items(
        database.sessions, readers(trackers), lambda: now() + timedelta(hours=2), policy=POLICY
    )
    assert lifted.trackers[0].read == 3
    assert link_states(database.sessions)[(WS1, "github", "acme/ci#3")] == "open"


@pytest.mark.parametrize(
    ("tracker", "limit"),
    [
        ("jira", {"retry_after": 600}),
        ("linear", {"reset_in": 600}),
        ("github", {"retry_after": 600}),
    ],
)
def test_each_trackers_rate_limit_answer_is_understood(
    sqlite_database: Database, trackers: FakeTrackersAPI, tracker: str, limit: dict[str, int]
) -> None:
    item = {"github": "acme/ci#1", "jira": "PLAT-1", "linear": "ENG-1"}[tracker]
    link_items(sqlite_database.sessions, WS1, [(tracker, item), (tracker, item + "0")])
    trackers.limit(tracker, **limit)

    report = sync_linked_items(sqlite_database.sessions, readers(trackers), now, policy=POLICY)

    result = next(t for t in report.trackers if t.tracker == tracker)
    assert result.skipped == 2
    assert result.limited_until is not None
    assert abs(result.limited_until - (now() + timedelta(seconds=600))) < timedelta(seconds=10)
    assert len(trackers.requests(tracker)) == 1


def test_a_limit_lifting_within_seconds_is_waited_out(
    sqlite_database: Database, trackers: FakeTrackersAPI
) -> None:
    link_items(sqlite_database.sessions, WS1, [("jira", "PLAT-1")])
    trackers.jira_issue("PLAT-1", "indeterminate")
    trackers.limit("jira", retry_after=1)
    slept: list[float] = []

    report = sync_linked_items(
        sqlite_database.sessions, readers(trackers), now, sleep=slept.append, policy=POLICY
    )

    assert len(slept) == 1
    assert 0 < slept[0] <= 1
    assert report.trackers[1].read == 1
    assert len(trackers.requests("jira")) == 2


def test_one_tracker_failing_does_not_stop_the_others(
    database: Database, trackers: FakeTrackersAPI
) -> None:
    link_items(
        database.sessions,
        WS1,
        [("github", "acme/ci#1"), ("jira", "PLAT-1"), ("jira", "PLAT-2"), ("linear", "ENG-1")],
    )
    trackers.github_issue("acme/ci#1", "open")
    trackers.linear_issue("ENG-1", "started")
    trackers.break_down("jira")

    report = sync_linked_items(database.sessions, readers(trackers), now, policy=POLICY)

    jira = report.trackers[1]
    assert (jira.read, jira.errors, jira.failed) == (0, 2, True)
    assert "Jira PLAT-1: Jira answered 500" in report.lines()
    assert [report.trackers[0].read, report.trackers[2].read] == [1, 1]
    assert not report.all_failed
    states = link_states(database.sessions)
    assert states[(WS1, "linear", "ENG-1")] == "in_progress"

    trackers.break_down("github")
    trackers.break_down("linear")
    assert sync_linked_items(database.sessions, readers(trackers), now, policy=POLICY).all_failed


def test_a_refused_token_is_said_plainly_and_never_shown(
    sqlite_database: Database, trackers: FakeTrackersAPI, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "ghp-wrong-but-secret-0000"
    link_items(
        sqlite_database.sessions,
        WS1,
        [("github", "acme/ci#1"), ("github", "acme/ci#2"), ("jira", "PLAT-404")],
    )
    caplog.set_level(logging.DEBUG)

    report = sync_linked_items(
        sqlite_database.sessions, readers(trackers, github_token=wrong), now, policy=POLICY
    )

    github = report.trackers[0]
    assert len(trackers.requests("github")) == 1, "a refused token is not tried again"
    assert (github.errors, github.skipped, github.failed) == (1, 1, True)
    assert (
        "GitHub: GitHub refused the token (401): check PULSEBOARD_GITHUB_TOKEN and its read access"
        in report.lines()
    )
    shown = "\n".join(report.lines()) + caplog.text
    for secret in (wrong, *TOKENS):
        assert secret not in shown


class _Broken:
    tracker = Tracker.JIRA

    def read_state(self, item: str) -> str:
        raise RuntimeError("a bug")


def test_a_tracker_that_breaks_unexpectedly_does_not_stop_the_next(
    sqlite_database: Database, trackers: FakeTrackersAPI
) -> None:
    link_items(sqlite_database.sessions, WS1, [("jira", "PLAT-1"), ("linear", "ENG-1")])
    trackers.linear_issue("ENG-1", "completed")

    report = sync_linked_items(
        sqlite_database.sessions, [_Broken(), readers(trackers)[2]], now, policy=POLICY
    )

    assert report.lines()[:2] == [
        "Jira: 0 read, 0 changed, 0 unknown, 1 failed",
        "Jira: stopped (RuntimeError, see the log)",
    ]
    assert report.trackers[1].read == 1


def test_polled_states_move_the_theme_like_a_webhook(
    database: Database, trackers: FakeTrackersAPI
) -> None:
    """Polling goes through the same path: in progress, then shipped, one DM per person."""
    theme_id = seed_workspace(database).ci_theme
    with unit_of_work(database.sessions, TEAM) as uow:
        uow.links.add_once(
            theme_id, "linear", "ENG-9", "https://linear.app/acme/issue/ENG-9", "U0PM"
        )
    automatic = FollowPolicy(FollowMode.AUTOMATIC, frozenset({"U0PMADMIN1"}))

    def status_and_notices() -> tuple[str, int]:
        with unit_of_work(database.sessions, TEAM) as uow:
            theme = uow.themes.resolve(theme_id)
            assert theme is not None
            sent = uow.session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == STATUS_NOTICE_KIND)
            )
            return theme.status.value, int(sent or 0)

    trackers.linear_issue("ENG-9", "started")
    sync_linked_items(database.sessions, readers(trackers), now, policy=automatic)
    sync_linked_items(database.sessions, readers(trackers), now, policy=automatic)
    assert status_and_notices() == ("in_progress", len(ASKERS))
    trackers.linear_issue("ENG-9", "completed")
    sync_linked_items(database.sessions, readers(trackers), now, policy=automatic)
    assert status_and_notices() == ("shipped", 2 * len(ASKERS))
