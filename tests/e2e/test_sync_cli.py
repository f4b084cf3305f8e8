"""`pulseboard sync` end to end (in this process): the configured trackers' items are read
through their APIs (a loopback fake) and stored; the report is printed; the exit code says
whether every tracker failed; no token, no sync."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli import run_here
from tests.fakes.trackers_api import FakeTrackersAPI
from tests.fixtures.databases import Database
from tests.fixtures.tracker_links import link_items, link_states

WS = "T0CLISYNC1"
GITHUB_TOKEN = "ghp-cli-secret-77"
LINEAR_TOKEN = "lin_api_cli_secret_77"


@pytest.fixture
def trackers() -> Iterator[FakeTrackersAPI]:
    with FakeTrackersAPI(github_token=GITHUB_TOKEN, linear_token=LINEAR_TOKEN) as fake:
        yield fake


def sync(
    db: Database, fake: FakeTrackersAPI, tmp_path: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    tokens = {
        "PULSEBOARD_GITHUB_TOKEN": GITHUB_TOKEN,
        "PULSEBOARD_GITHUB_API_URL": fake.github_api,
        "PULSEBOARD_LINEAR_TOKEN": LINEAR_TOKEN,
        "PULSEBOARD_LINEAR_API_URL": fake.linear_api,
    }
    return run_here("sync", cwd=tmp_path, DATABASE_URL=db.url, **(tokens | env))


def test_sync_reads_the_linked_items_and_prints_the_report(
    database: Database, trackers: FakeTrackersAPI, tmp_path: Path
) -> None:
    link_items(
        database.sessions,
        WS,
        [("github", "acme/ci#5"), ("github", "acme/ci#6"), ("linear", "ENG-9")],
    )
    trackers.github_pull("acme/ci#5", "closed", merged=False)
    trackers.linear_issue("ENG-9", "triage")

    done = sync(database, trackers, tmp_path)

    assert done.returncode == 0, done.stderr
    assert "Reading linked items from GitHub, Linear" in done.stdout
    assert "GitHub: 1 read, 1 changed, 1 unknown, 0 failed" in done.stdout
    assert "GitHub acme/ci#6: not found (404)" in done.stdout
    assert "Linear: 1 read, 1 changed, 0 unknown, 0 failed" in done.stdout
    assert GITHUB_TOKEN not in done.stdout + done.stderr
    assert link_states(database.sessions) == {
        (WS, "github", "acme/ci#5"): "closed",
        (WS, "github", "acme/ci#6"): None,
        (WS, "linear", "ENG-9"): "open",
    }

    trackers.break_down("github")
    trackers.break_down("linear")
    failed = sync(database, trackers, tmp_path)
    assert failed.returncode == 1
    assert "GitHub acme/ci#5: GitHub answered 500" in failed.stdout


def test_sync_refuses_without_a_tracker_token(sqlite_database: Database, tmp_path: Path) -> None:
    refused = run_here("sync", cwd=tmp_path, DATABASE_URL=sqlite_database.url)
    assert refused.returncode == 2
    assert "no tracker token is configured" in refused.stderr
    assert "PULSEBOARD_GITHUB_TOKEN" in refused.stderr
