"""`pulseboard serve --http` as a process: handshake, signatures, health, a real command."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from storage.db import make_engine, make_session_factory
from storage.models import Request
from tests.e2e.cli import serve_env, start_serve
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import post, slash_command, url_verification

#: Generous: a loaded 2-core CI machine (other test workers starting servers too) has
#: taken over 20 s to import and start one; a healthy start returns as soon as it answers.
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"serve exited early: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("serve did not become healthy in time")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, FakeSlackAPI]]:
    """One server for the module's tests (a process costs seconds to start); each test
    counts what it stores from the count it found."""
    port = free_port()
    folder = tmp_path_factory.mktemp("served")
    database_url = f"sqlite:///{folder / 'pb.db'}"
    with FakeSlackAPI() as slack:
        env = serve_env(slack.url, database_url)
        process = start_serve(port, cwd=folder, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_healthy(base, process)
            yield base, database_url, slack
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_answers_the_url_verification_challenge(served: tuple[str, str, FakeSlackAPI]) -> None:
    base, _, _ = served
    status, body, _ = post(
        f"{base}/slack/events",
        url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"),
    )
    assert status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in body


def test_rejects_a_bad_signature_with_401(served: tuple[str, str, FakeSlackAPI]) -> None:
    base, database_url, _ = served
    before = count_requests(database_url)
    status, _, _ = post(
        f"{base}/slack/events", slash_command("/feedback", "sneaky").with_bad_signature()
    )
    assert status == 401
    stale = slash_command("/feedback", "old", timestamp=int(time.time()) - 600)
    assert post(f"{base}/slack/events", stale)[0] == 401
    assert count_requests(database_url) == before


def test_healthz_and_unknown_paths(served: tuple[str, str, FakeSlackAPI]) -> None:
    base, _, _ = served
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True}
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/nope", timeout=5)
    assert missing.value.code == 404


def test_feedback_command_is_stored_once_under_retries(
    served: tuple[str, str, FakeSlackAPI],
) -> None:
    base, database_url, _ = served
    before = count_requests(database_url)
    request = slash_command(
        "/feedback", "Remote cache for CI builds <!channel>", trigger_id="1234.5678.abcd"
    )
    status, body, _ = post(f"{base}/slack/events", request)
    assert status == 200
    reply = json.loads(body)
    assert reply["response_type"] == "ephemeral"
    assert "Logged as" in reply["blocks"][0]["text"]["text"]
    assert "<!channel>" not in body
    retried = post(f"{base}/slack/events", request.with_retry(1))
    assert retried[0] == 200
    assert count_requests(database_url) == before + 1


def count_requests(database_url: str) -> int:
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        count = session.scalar(select(func.count(Request.id))) or 0
    engine.dispose()
    return count
