"""A sender killed mid-send (SIGKILL, in a process of its own): nothing lost, nothing twice.

The fake Slack records a call when it arrives, then holds the answer for a while; the
worker is killed during that wait, its claims left behind. A fresh sender, once the hold
has expired, finishes the job: it looks for the interrupted message in Slack before
posting it again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.jobs.outbox import OutboxSender, Pace
from storage.enums import OutboxStatus
from tests.fakes.slack_api import FakeSlackAPI
from tests.fixtures.databases import Database
from tests.integration.jobs import outbox_worker
from tests.integration.jobs.outbox_helpers import (
    all_messages,
    enqueue,
    message,
    metadata_key,
    pending,
    post_calls_per_key,
    stored_per_key,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
HOLD_SECONDS = 2.0
DELAY_SECONDS = 1.0  # shorter than the hold: a post that lands, lands before anyone checks
MESSAGES = {
    "status:1:U0ALICE01": "U0ALICE01",
    "status:1:U0BOB0001": "U0BOB0001",
    "pulse:3:U0CAROL01": "U0CAROL01",
    "digest:C0DIGEST1:2026-W48": "C0DIGEST1",
    "digest:C0DIGEST2:2026-W48": "C0DIGEST2",
}


def start_worker(database_url: str, slack_url: str, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        outbox_worker.DATABASE_URL_ENV: database_url,
        outbox_worker.SLACK_URL_ENV: slack_url,
        outbox_worker.HOLD_ENV: str(HOLD_SECONDS),
    }
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.integration.jobs.outbox_worker"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def kill_during_first_post(worker: subprocess.Popen[bytes], slack: FakeSlackAPI, log: Path) -> str:
    """SIGKILL the worker once its first post has reached Slack; that post's outbox key."""
    try:
        first = slack.wait_for("chat.postMessage", timeout=20)[0]
    except AssertionError:
        worker.kill()
        raise AssertionError(f"worker never posted; its log:\n{log.read_text()}") from None
    worker.kill()
    worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL
    key = metadata_key(first.param("metadata"))
    assert key in MESSAGES
    return key


def finish_with_a_fresh_sender(database: Database, slack: FakeSlackAPI) -> Counter[str]:
    client = WebClient(token="xoxb-test-token", base_url=slack.url, timeout=5)
    sender = OutboxSender(
        database.sessions, client, hold=timedelta(seconds=HOLD_SECONDS), pace=Pace(0.0, 0.0)
    )
    totals: Counter[str] = Counter()
    deadline = time.monotonic() + 15
    while pending(database.sessions) and time.monotonic() < deadline:
        report = sender.drain_once()
        totals.update(sent=report.sent, skipped=report.skipped_as_already_sent, lost=report.lost)
        time.sleep(0.05)
    return totals


@pytest.mark.parametrize("slack_posted_it", [True, False], ids=["post-landed", "post-lost"])
def test_a_sender_killed_mid_send_loses_and_duplicates_nothing(
    database: Database, slack: FakeSlackAPI, tmp_path: Path, slack_posted_it: bool
) -> None:
    for key, channel in MESSAGES.items():
        enqueue(database.sessions, key, channel)
    if slack_posted_it:  # Slack posts the message, but its answer never gets back
        slack.fail_next("chat.postMessage", delay=DELAY_SECONDS)
    else:  # the request arrived, and Slack failed it
        slack.fail_next("chat.postMessage", delay=DELAY_SECONDS, status=500)
    log = tmp_path / "worker.log"

    worker = start_worker(database.url, slack.url, log)
    in_flight = kill_during_first_post(worker, slack, log)

    interrupted = message(database.sessions, in_flight)
    assert interrupted.status == OutboxStatus.PENDING
    assert interrupted.attempt_started_at is not None  # the dead sender's outcome is unknown
    totals = finish_with_a_fresh_sender(database, slack)

    assert pending(database.sessions) == 0, log.read_text()
    assert {m.status for m in all_messages(database.sessions)} == {OutboxStatus.SENT}
    assert stored_per_key(slack) == dict.fromkeys(MESSAGES, 1)  # each message in Slack once
    calls = post_calls_per_key(slack)
    if slack_posted_it:
        assert calls == dict.fromkeys(MESSAGES, 1)
        assert totals == Counter(sent=len(MESSAGES) - 1, skipped=1)
    else:
        assert calls == {**dict.fromkeys(MESSAGES, 1), in_flight: 2}
        assert totals == Counter(sent=len(MESSAGES))
    history = slack.calls("conversations.history")
    assert len(history) == 1  # only the interrupted message needed a look
