"""`pulseboard serve --http --workers 2`: gunicorn workers serve, then stop gracefully."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.request
from pathlib import Path

from tests.e2e.cli import PULSEBOARD, clean_env
from tests.e2e.test_serve_http import count_requests, free_port, wait_until_healthy
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import SIGNING_SECRET, post, slash_command

WORKERS = 2
WORKERS_ARGS = ("--workers", str(WORKERS))


def test_workers_serve_commands_and_stop_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'pb.db'}"
    base = f"http://127.0.0.1:{port}"
    with FakeSlackAPI() as slack:
        env = clean_env(
            SLACK_BOT_TOKEN="xoxb-test-token",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.url,
            DATABASE_URL=database_url,
            PULSEBOARD_LOG_FORMAT="json",
        )
        process = subprocess.Popen(
            [
                PULSEBOARD,
                "serve",
                "--http",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *WORKERS_ARGS,
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until_healthy(base, process)
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:
                assert json.loads(response.read())["ready"] is True
            request = slash_command("/feedback", "remote build cache", trigger_id="5.6.x")
            for attempt in range(4):
                sent = request if attempt == 0 else request.with_retry(attempt)
                assert post(f"{base}/slack/events", sent)[0] == 200
            assert count_requests(database_url) == 1
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=40)
    assert process.returncode == 0, stderr[-2000:]
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    messages = [line["message"] for line in lines]
    assert sum("jobs started" in m for m in messages) == WORKERS
    assert sum("jobs stopped" in m for m in messages) == WORKERS
    requests = [line for line in lines if line.get("kind") == "command"]
    assert requests
    assert all("remote build cache" not in json.dumps(line) for line in lines)
