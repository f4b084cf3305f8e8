"""Unverified requests cause no work, and answers go only to Slack.

A request whose signature headers are malformed (a timestamp that is not an integer, a
signature with characters HMAC cannot compare) is refused with 401 like any bad
signature: at the HTTP edge, on both servers, and by bolt's error handler if one ever got
past the edge. It causes no Web API call and no post to the ``response_url`` it carries.
A signed request whose ``response_url`` is not Slack's never gets that URL called, and a
response URL that never answers holds a thread for a few seconds only.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from bot.runtime.settings import Settings
from bot.runtime.wiring import make_deps
from bot.slack.app import create_app
from tests.e2e.cli import serve_env, start_serve
from tests.e2e.test_serve_http import free_port, wait_until_healthy
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import (
    SIGNING_SECRET,
    SignedRequest,
    block_action,
    global_shortcut,
    message_action,
    post,
    slash_command,
    view_submission,
)
from tests.fakes.slack_signing import compute_signature
from tests.fixtures.app import ADMIN_ID, RunningApp
from tests.fixtures.databases import Database
from tests.integration.app.checks import count_requests
from tests.security.attacker import Attacker, attacker_server

#: What "a few seconds" allows a response URL that never answers to hold a thread.
FEW_SECONDS = 5.0
TIMESTAMP = "X-Slack-Request-Timestamp"
SIGNATURE = "X-Slack-Signature"


@pytest.fixture
def attacker() -> Iterator[Attacker]:
    with attacker_server() as running:
        yield running


def with_headers(request: SignedRequest, **changes: str | None) -> SignedRequest:
    """The request with headers replaced (a value) or removed (None)."""
    named = {"timestamp": TIMESTAMP, "signature": SIGNATURE}
    headers = dict(request.headers)
    for key, value in changes.items():
        if value is None:
            headers.pop(named[key], None)
        else:
            headers[named[key]] = value
    return replace(request, headers=headers)


def signed_at(request: SignedRequest, timestamp: str) -> SignedRequest:
    """Signed with the real secret over a timestamp that is not an integer."""
    signature = compute_signature(SIGNING_SECRET, timestamp, request.body)
    return with_headers(request, timestamp=timestamp, signature=signature)


MALFORMED: dict[str, Callable[[SignedRequest], SignedRequest]] = {
    "letters": lambda r: with_headers(r, timestamp="abc"),
    "a fraction, signed": lambda r: signed_at(r, f"{int(time.time())}.5"),
    "a fixed fraction": lambda r: with_headers(r, timestamp="1796157110.5"),
    "empty timestamp": lambda r: with_headers(r, timestamp=""),
    "too many digits": lambda r: with_headers(r, timestamp="9" * 5000),
    "no timestamp": lambda r: with_headers(r, timestamp=None),
    "no signature": lambda r: with_headers(r, signature=None),
    "no headers": lambda r: with_headers(r, timestamp=None, signature=None),
    "non-ASCII signature": lambda r: with_headers(r, signature="v0=" + "\u00e9" * 64),
    "signature without version": lambda r: with_headers(r, signature="0" * 64),
}


def requests_to(attacker: Attacker) -> dict[str, SignedRequest]:
    """One request of each kind that, once accepted, would answer or open a modal."""
    hook = attacker.url()
    return {
        "command": slash_command("/feedback", "sneaky", response_url=hook),
        "roadmap": slash_command("/roadmap", "", response_url=hook),
        "button": block_action("vote_theme", "1", response_url=hook),
        "shortcut": message_action(
            "log_feature_request", {"text": "x", "user": "U1", "ts": "1.2"}, response_url=hook
        ),
        "global shortcut": global_shortcut("log_feature_request"),
        "form": view_submission(
            "feedback_modal",
            {"title": {"title_input": {"type": "plain_text_input", "value": "x"}}},
            response_urls=[{"response_url": hook, "channel_id": "C1", "block_id": "b"}],
        ),
    }


KINDS = ["command", "roadmap", "button", "shortcut", "global shortcut", "form"]


def assert_no_work(app: RunningApp, attacker: Attacker) -> None:
    time.sleep(0.1)  # anything the request started in a thread has had its chance
    assert attacker.hits == []
    assert [c.method for c in app.slack.calls()] == []
    assert count_requests(app.db) == 0


@pytest.mark.parametrize("malformed", list(MALFORMED))
@pytest.mark.parametrize("kind", KINDS)
def test_malformed_signature_headers_are_refused_at_the_edge(
    running_app: RunningApp, attacker: Attacker, kind: str, malformed: str
) -> None:
    request = MALFORMED[malformed](requests_to(attacker)[kind])
    status, _ = running_app.send(request)
    assert status == 401
    assert_no_work(running_app, attacker)


# --- bolt's error handler, should a malformed request ever get past the edge ----------


@pytest.fixture
def bolt_app(slack: FakeSlackAPI, sqlite_database: Database) -> Iterator[App]:
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,
        database_url=sqlite_database.url,
        admins=frozenset({ADMIN_ID}),
        listener_threads=2,
    )
    client = WebClient(token="xoxb-test-token", base_url=slack.url, timeout=5)
    deps = make_deps(settings, sqlite_database.sessions, client)
    yield create_app(settings, client, deps)
    deps.close()


@pytest.mark.parametrize("malformed", ["letters", "a fraction, signed", "non-ASCII signature"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_error_handler_answers_nobody_for_an_unverified_request(
    bolt_app: App, slack: FakeSlackAPI, attacker: Attacker, kind: str, malformed: str
) -> None:
    request = MALFORMED[malformed](requests_to(attacker)[kind])
    response = bolt_app.dispatch(BoltRequest(body=request.body, headers=dict(request.headers)))
    assert response.status == 401
    time.sleep(0.1)
    assert attacker.hits == []
    assert [c.method for c in slack.calls()] == []


def test_socket_mode_requests_are_trusted_and_answered(
    bolt_app: App, slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In Socket Mode the socket authenticates Slack: no signature headers, and a failing
    listener is still answered (through an allowed response URL)."""

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.slack.listeners.actions.toggle_vote", broken)
    clicked = block_action("vote_theme", "1", response_url=slack.response_url("socket"))
    response = bolt_app.dispatch(BoltRequest(body=clicked.payload(), mode="socket_mode"))
    assert response.status == 200
    [answer] = slack.wait_for("response_url")
    assert "Something went wrong" in answer.params["text"]


# --- answers go only to Slack --------------------------------------------------------


def wait_for_log(
    caplog: pytest.LogCaptureFixture, text: str, timeout: float = 5.0
) -> logging.LogRecord:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in list(caplog.records):
            if text in record.getMessage():
                return record
        time.sleep(0.02)
    seen = [r.getMessage() for r in caplog.records]
    raise AssertionError(f"no log line with {text!r} within {timeout} s; seen: {seen}")


REFUSED = "refused a response_url"


def feedback_to(hook: str) -> SignedRequest:
    return slash_command("/feedback", "remote build cache please", response_url=hook)


def roadmap_to(hook: str) -> SignedRequest:
    return slash_command("/roadmap", "", response_url=hook)


def vote_to(hook: str) -> SignedRequest:
    return block_action("vote_theme", "1", response_url=hook)


def pulse_answer_to(hook: str) -> SignedRequest:
    return block_action("pulse_score_3", "1:3", response_url=hook)


@pytest.mark.parametrize(
    "request_to",
    [feedback_to, roadmap_to, vote_to, pulse_answer_to],
    ids=["feedback (placement reply)", "roadmap (after the ack)", "vote", "pulse answer"],
)
def test_a_signed_request_never_gets_a_foreign_response_url_called(
    running_app: RunningApp,
    attacker: Attacker,
    caplog: pytest.LogCaptureFixture,
    request_to: Callable[[str], SignedRequest],
) -> None:
    caplog.set_level(logging.WARNING)
    assert running_app.send(request_to(attacker.url()))[0] == 200
    wait_for_log(caplog, REFUSED)
    assert attacker.hits == []


def test_a_failing_listener_never_answers_a_foreign_response_url(
    running_app: RunningApp,
    attacker: Attacker,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.slack.listeners.actions.toggle_vote", broken)
    caplog.set_level(logging.WARNING)
    assert running_app.send(vote_to(attacker.url()))[0] == 200
    wait_for_log(caplog, REFUSED)
    assert attacker.hits == []


def lookalikes(slack: FakeSlackAPI, attacker: Attacker) -> list[str]:
    """Foreign response URLs that resemble the allowed one, all on this machine (the
    policy's unit tests cover lookalikes of Slack's own host without touching a network)."""
    allowed = slack.response_url("x").removeprefix("http://")
    port = allowed.split("/", 1)[0].rsplit(":", 1)[1]
    return [
        f"http://{allowed.split('/', 1)[0]}@{attacker.base.removeprefix('http://')}/x",
        f"http://localhost:{port}/response/x",
        f"https://{allowed}",
        "file:///etc/hostname",
        "not a url",
    ]


def test_lookalike_response_urls_are_refused(
    running_app: RunningApp, attacker: Attacker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    for hook in lookalikes(running_app.slack, attacker):
        caplog.clear()
        assert running_app.send(vote_to(hook))[0] == 200
        wait_for_log(caplog, REFUSED)
    assert attacker.hits == []
    assert running_app.slack.calls("response_url") == []


def test_a_response_url_that_never_answers_holds_a_thread_a_few_seconds_only(
    running_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    slack = running_app.slack
    slack.fail_next("response_url", delay=60)
    caplog.set_level(logging.WARNING)
    assert running_app.send(vote_to(slack.response_url("stuck")))[0] == 200
    [arrived] = slack.wait_for("response_url")
    given_up = wait_for_log(caplog, "could not send", timeout=FEW_SECONDS + 2)
    assert given_up.created - arrived.at <= FEW_SECONDS


# --- the gunicorn path serves the same WSGI app --------------------------------------


def test_gunicorn_refuses_malformed_signature_headers(tmp_path: Path, attacker: Attacker) -> None:
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'pb.db'}"
    base = f"http://127.0.0.1:{port}"
    with FakeSlackAPI() as slack:
        env = serve_env(slack.url, database_url)
        process = start_serve(port, "--workers", "1", cwd=tmp_path, env=env)
        try:
            wait_until_healthy(base, process)
            before = len(slack.calls())
            for kind in KINDS:
                for malformed in ("letters", "a fraction, signed", "non-ASCII signature"):
                    request = MALFORMED[malformed](requests_to(attacker)[kind])
                    assert post(f"{base}/slack/events", request)[0] == 401, (kind, malformed)
            time.sleep(0.2)
            assert attacker.hits == []
            assert slack.calls()[before:] == []
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=40)
