"""A SQLite database held by another writer costs an ack at most about 2 s, not SQLite's
10 s busy timeout: /feedback answers "busy, try again" with nothing stored, and Slack's
retry of the same request stores it once (issue 13, section 5)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import make_url

from bot.services.requests import ACK_WRITE_TIMEOUT_SECONDS
from storage.unit_of_work import unit_of_work
from tests.fakes import slack_ids
from tests.fakes.slack_requests import slash_command, view_submission
from tests.fixtures.app import RunningApp
from tests.integration.app.checks import all_text, count_requests

HOLD_SECONDS = 3.5
#: The ack's write timeout and the request's own work, well under Slack's 3 s.
ANSWER_WITHIN_SECONDS = ACK_WRITE_TIMEOUT_SECONDS + 0.5

HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""


@contextmanager
def held_by_another_process(app: RunningApp) -> Iterator[None]:
    """Another program holds SQLite's write lock (it knows nothing of our writer queue)."""
    path = make_url(app.db.url).database
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(HOLD_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.wait(timeout=30)


@contextmanager
def held_by_a_job_of_this_process(app: RunningApp) -> Iterator[None]:
    """A background job of the server's own process in a long write transaction."""
    started, done = threading.Event(), threading.Event()

    def long_job() -> None:
        with unit_of_work(app.db.sessions, slack_ids.TEAM_ID) as uow:
            uow.users.get_or_create("U0LONGJOB1")
            started.set()
            time.sleep(HOLD_SECONDS)
        done.set()

    job = threading.Thread(target=long_job, daemon=True)
    job.start()
    assert started.wait(10)
    try:
        yield
    finally:
        job.join(timeout=30)
        assert done.is_set()


HOLDERS: dict[str, Callable[[RunningApp], Iterator[None]]] = {
    "another process": held_by_another_process,
    "a job of this process": held_by_a_job_of_this_process,
}


def answer_text(body: str) -> str:
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral"
    return all_text(answer.get("blocks", [])) + answer.get("text", "")


@pytest.mark.parametrize(
    ("holder", "known"),
    [("another process", True), ("another process", False), ("a job of this process", True)],
)
def test_a_locked_database_gets_busy_in_time_and_the_retry_stores_once(
    running_app: RunningApp, holder: str, known: bool
) -> None:
    app = running_app
    if known:  # someone who asked before; a first-timer is also created by the request
        warm = slash_command("/feedback", "an earlier ask", response_url=app.slack.response_url())
        assert app.send(warm)[0] == 200
        # placed and answered before the lock is taken, so the placement worker's CPU does
        # not share the timed answer's
        app.slack.wait_for("response_url", timeout=10)
    before = count_requests(app.db)
    request = slash_command(
        "/feedback",
        "faster CI builds",
        trigger_id="4242.busy.trigger",
        response_url=app.slack.response_url(),
    )
    with HOLDERS[holder](app):
        began = time.monotonic()
        status, body = app.send(request)
        took = time.monotonic() - began
        assert status == 200
        said = answer_text(body)
        assert "busy" in said
        assert "nothing was saved" in said
        assert took < ANSWER_WITHIN_SECONDS, f"the busy answer took {took:.1f} s"
    assert count_requests(app.db) == before
    status, body = app.send(request.with_retry(1))
    assert status == 200
    assert "Logged as" in answer_text(body)
    assert app.send(request.with_retry(2))[0] == 200
    assert count_requests(app.db) == before + 1


def test_a_locked_database_gets_the_form_a_busy_error_in_time(running_app: RunningApp) -> None:
    app = running_app
    before = count_requests(app.db)
    state = {
        "title": {"title_input": {"type": "plain_text_input", "value": "Faster CI"}},
        "details": {"details_input": {"type": "plain_text_input", "value": "40 min builds"}},
    }
    submission = view_submission("feedback_modal", state, view_id="V0BUSYFORM")
    with held_by_another_process(app):
        began = time.monotonic()
        status, body = app.send(submission)
        took = time.monotonic() - began
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert "nothing was saved" in answer["errors"]["title"]
    assert took < ANSWER_WITHIN_SECONDS, f"the busy answer took {took:.1f} s"
    assert count_requests(app.db) == before
    assert app.send(submission.with_retry(1)) == (200, "")
    assert count_requests(app.db) == before + 1
