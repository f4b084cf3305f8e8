"""`pulseboard serve --http --workers 2`: gunicorn workers serve, then stop gracefully."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from storage.sqlite_writer import WriterLock
from tests.e2e.cli import serve_env, start_serve
from tests.e2e.test_serve_http import count_requests, free_port, wait_until_healthy
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import post, slash_command

WORKERS = 2
WORKERS_ARGS = ("--workers", str(WORKERS))


def test_workers_serve_commands_and_stop_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'pb.db'}"
    base = f"http://127.0.0.1:{port}"
    with FakeSlackAPI() as slack:
        env = serve_env(slack.url, database_url, PULSEBOARD_LOG_FORMAT="json")
        process = start_serve(port, *WORKERS_ARGS, cwd=tmp_path, env=env)
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


def test_a_request_in_flight_at_sigterm_is_answered_and_stored(tmp_path: Path) -> None:
    """SIGTERM while a /feedback is mid-way (held at the database's writer lock): gunicorn
    lets it finish, Slack gets its answer, the request is stored, and every process
    exits cleanly."""
    port = free_port()
    database_file = tmp_path / "pb.db"
    database_url = f"sqlite:///{database_file}"
    base = f"http://127.0.0.1:{port}"
    with FakeSlackAPI() as slack:
        env = serve_env(slack.url, database_url)
        process = start_serve(
            port, "--workers", "1", cwd=tmp_path, env=env, stdout=subprocess.DEVNULL
        )
        answer: list[tuple[int, str]] = []
        try:
            wait_until_healthy(base, process)
            children = child_pids(process.pid)
            held = WriterLock(Path(f"{database_file}-writer.lock"), timeout=5)
            assert held.acquire()
            request = slash_command(
                "/feedback", "held at shutdown", response_url=slack.response_url()
            )
            sender = threading.Thread(
                target=lambda: answer.append(post(f"{base}/slack/events", request)[:2])
            )
            sender.start()
            time.sleep(0.5)
            assert not answer, "the request should be waiting for the writer lock"
            process.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            held.release()
            sender.join(timeout=10)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-2000:]
    [(status, body)] = answer
    assert status == 200
    assert "Logged as" in body
    assert count_requests(database_url) == 1
    assert children
    assert not any(alive(pid) for pid in children), "a child outlived the server"


def child_pids(parent: int) -> list[int]:
    """Every process under ``parent`` (its gunicorn worker)."""
    found: list[int] = []
    for _ in range(100):
        found = descendants(parent)
        if found:
            return found
        time.sleep(0.1)
    return found


def descendants(parent: int) -> list[int]:
    children: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(entry.name))
    return children + [pid for child in children for pid in descendants(child)]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
