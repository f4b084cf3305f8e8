"""The tracker_sync job: scheduled only when a tracker token is set, and leased, so replicas
firing together read each linked item once."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from slack_sdk import WebClient

from bot.jobs.lease import JOB_LEASE_TTL, run_once_with_lease
from bot.jobs.scheduler import Jobs
from bot.runtime.settings import Settings
from bot.runtime.trackers.github import GitHubReader
from bot.runtime.trackers.linear import LinearReader
from tests.fakes.trackers_api import FakeTrackersAPI
from tests.fixtures.databases import Database
from tests.fixtures.tracker_links import link_items, link_states

TEAM = "T0JOBSYNC1"
REPLICAS = 3


@pytest.fixture
def trackers() -> Iterator[FakeTrackersAPI]:
    with FakeTrackersAPI(github_token="ghp-job", linear_token="lin_api_job") as fake:
        yield fake


def jobs_for(db: Database, fake: FakeTrackersAPI | None = None, **settings: object) -> Jobs:
    config = Settings(database_url=db.url, theme_backend="tfidf", **settings)  # type: ignore[arg-type]
    client = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", timeout=1)
    readers = None
    if fake is not None:
        readers = [
            GitHubReader(fake.github_api, SecretStr("ghp-job")),
            LinearReader(fake.linear_api, SecretStr("lin_api_job")),
        ]
    return Jobs(config, db.sessions, client, TEAM, trackers=readers)


def test_replicas_firing_together_read_each_item_once(
    database: Database, trackers: FakeTrackersAPI
) -> None:
    link_items(
        database.sessions,
        TEAM,
        [("github", "acme/ci#1"), ("github", "acme/ci#2"), ("linear", "ENG-1")],
    )
    trackers.github_issue("acme/ci#1", "closed", state_reason="completed")
    trackers.github_issue("acme/ci#2", "open", assignees=2)
    trackers.linear_issue("ENG-1", "completed")
    replicas = [jobs_for(database, trackers) for _ in range(REPLICAS)]
    start = threading.Barrier(REPLICAS)
    ran: list[bool] = []

    def fire(n: int) -> None:
        start.wait(timeout=10)
        ran.append(
            run_once_with_lease(
                database.sessions,
                "tracker_sync",
                JOB_LEASE_TTL,
                replicas[n].run_tracker_sync,
                holder=f"replica-{n}",
            )
        )

    threads = [threading.Thread(target=fire, args=(n,)) for n in range(REPLICAS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(ran) == [False] * (REPLICAS - 1) + [True]
    assert len(trackers.requests("github")) == 2
    assert len(trackers.requests("linear")) == 1
    assert set(link_states(database.sessions).values()) == {"done", "in_progress"}


def test_the_job_is_scheduled_only_when_a_tracker_token_is_set(
    sqlite_database: Database,
) -> None:
    without = jobs_for(sqlite_database)
    assert without.trackers == []
    with_token = jobs_for(
        sqlite_database,
        github_token=SecretStr("ghp-x"),
        tracker_sync_cron="*/5 * * * *",
    )
    assert [r.tracker.value for r in with_token.trackers] == ["github"]
    for jobs, scheduled in ((without, False), (with_token, True)):
        jobs.start()
        try:
            assert (jobs._scheduler.get_job("tracker_sync") is not None) is scheduled
        finally:
            jobs.shutdown()
