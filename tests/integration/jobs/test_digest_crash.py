"""A digest run that fails or is killed at any step is posted exactly once after a restart.

The period's claim, its regrouping and its outbox row commit together or not at all, so
a run that dies in between leaves the period free for the next run (on SQLite too,
where each savepoint used to commit on its own and left an "Already posted" claim with
no message behind it).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.services import digest_posting as digest_job
from storage.repositories import DeliveryRepository, DigestRunRepository, OutboxRepository
from tests.e2e.cli import clean_env, run_here
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_workspace import WorkspaceIdentity
from tests.fixtures.databases import Database
from tests.integration.jobs.test_digest_job import (
    CHANNEL,
    DOMAIN_CHANNEL,
    MONDAY_NINE_BERLIN,
    TEAM,
    Clock,
    drain,
    jobs_for,
    posts_to,
    seed,
)


class KilledError(Exception):
    """Stands for the process dying at the step where it is raised."""


def fail_after(original: Callable[..., Any]) -> Callable[..., Any]:
    def run_then_fail(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise KilledError

    return run_then_fail


def fail_instead(*_args: Any, **_kwargs: Any) -> Any:
    raise KilledError


#: Where a run dies: the name in bot.services.digest_posting (or a repository method) and how.
STEPS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "after the regroup key": lambda mp: mp.setattr(digest_job, "regroup", fail_instead),
    "after claiming the period": lambda mp: mp.setattr(
        DigestRunRepository, "claim", fail_after(DigestRunRepository.claim)
    ),
    "while building the digest": lambda mp: mp.setattr(digest_job, "build_digest", fail_instead),
    "while rendering its blocks": lambda mp: mp.setattr(digest_job, "digest_blocks", fail_instead),
    "after queueing the post": lambda mp: mp.setattr(
        OutboxRepository, "enqueue_once", fail_after(OutboxRepository.enqueue_once)
    ),
}


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI(identity=WorkspaceIdentity(team_id=TEAM)) as fake:
        yield fake


@pytest.mark.parametrize("step", list(STEPS))
def test_a_digest_that_fails_at_any_step_is_posted_once_after_a_restart(
    database: Database, slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    seed(database)
    clock = Clock(MONDAY_NINE_BERLIN + timedelta(seconds=5))
    with monkeypatch.context() as patched:
        STEPS[step](patched)
        with pytest.raises(KilledError):
            jobs_for(database, slack, clock).run_digest()
    clock.now += timedelta(minutes=5)
    restarted = jobs_for(database, slack, clock)
    assert any(outcome.queued for outcome in restarted.run_digest())
    drain(restarted)
    assert not any(outcome.queued for outcome in restarted.run_digest())
    drain(restarted)
    assert len(posts_to(slack, CHANNEL)) == 1
    assert len(posts_to(slack, DOMAIN_CHANNEL)) == 1


def test_the_regrouping_of_a_failed_run_is_redone_by_the_next(
    database: Database, slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(database)
    clock = Clock(MONDAY_NINE_BERLIN + timedelta(seconds=5))
    with monkeypatch.context() as patched:
        patched.setattr(digest_job, "regroup", fail_instead)
        with pytest.raises(KilledError):
            jobs_for(database, slack, clock).run_digest()
    with database.sessions() as session:
        assert DeliveryRepository(session, TEAM).claim("regroup:2026-11-23T08:00Z")


KILLED_CHILD = """
import os, sys
from bot.cli import main
from bot.services import digest_posting as digest
from storage.repositories import OutboxRepository

def die(*_args, **_kwargs):
    os._exit(9)

def die_after(original):
    def run_then_die(*args, **kwargs):
        original(*args, **kwargs)
        os._exit(9)
    return run_then_die

step = sys.argv[1]
if step == "claimed":
    digest.build_digest = die
elif step == "queued":
    OutboxRepository.enqueue_once = die_after(OutboxRepository.enqueue_once)
else:
    import bot.cli.digest
    bot.cli.digest.send_queued = die
sys.exit(main(["digest"]))
"""


@pytest.mark.parametrize("step", ["claimed", "queued", "committed"])
def test_a_pulseboard_digest_killed_mid_run_posts_once_after_restart(
    database: Database, slack: FakeSlackAPI, tmp_path: Path, step: str
) -> None:
    seed(database)
    env = clean_env(
        DATABASE_URL=database.url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=slack.url,
        PULSEBOARD_DIGEST_CHANNEL=CHANNEL,
    )
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_CHILD, step],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == 9, killed.stderr
    assert posts_to(slack, CHANNEL) == []
    # The restart runs the same command in this process: what it must find is the killed
    # run's database, not a process of its own (the killed run was one).
    restarted = run_here(
        "digest",
        cwd=tmp_path,
        DATABASE_URL=database.url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=slack.url,
        PULSEBOARD_DIGEST_CHANNEL=CHANNEL,
    )
    assert restarted.returncode == 0, restarted.stderr
    assert len(posts_to(slack, CHANNEL)) == 1, restarted.stdout
