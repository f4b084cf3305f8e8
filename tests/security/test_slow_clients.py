"""Slow and stuck clients cost a legitimate request nothing, and are closed after the bound.

Both servers `pulseboard serve --http` can run (the built-in one, and gunicorn with one
worker of 8 threads) get 50 stalled connections: headers sent and the body never sent,
headers sent and the body dripped a byte at a time, or the headers themselves dripped.
A signed /feedback sent meanwhile is answered within Slack's 3 s, and every stalled
connection is closed by the server soon after the read bound (1 s here).
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.cli import serve_env, start_serve
from tests.e2e.test_serve_http import count_requests, free_port, wait_until_healthy
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import post, slash_command

READ_SECONDS = 1.0
STALLED = 50
SLACK_ACK_SECONDS = 3.0
# The bound, plus the gunicorn worker's event loop tick (1 s) and some scheduling room.
CLOSED_WITHIN = READ_SECONDS + 2.5
DRIP_EVERY = 0.05
BODY_HEADERS = (
    "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 400\r\n\r\n"
)


@dataclass
class Served:
    port: int
    database_url: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(params=["built-in", "gunicorn"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'pb.db'}"
    workers = ("--workers", "1") if request.param == "gunicorn" else ()
    with FakeSlackAPI() as slack:
        env = serve_env(slack.url, database_url, PULSEBOARD_REQUEST_READ_SECONDS=str(READ_SECONDS))
        process = start_serve(port, *workers, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL)
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", process)
            yield Served(port, database_url)
        finally:
            process.terminate()
            process.communicate(timeout=40)


class Stallers:
    """Stalled connections in three shapes, and a thread that keeps the drippers dripping."""

    def __init__(self, port: int, count: int) -> None:
        self.sockets: list[socket.socket] = []
        self.dripping: list[socket.socket] = []
        for n in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            shape = n % 3
            if shape == 2:
                sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            else:
                sock.sendall(BODY_HEADERS.encode())
            if shape != 0:
                self.dripping.append(sock)
            self.sockets.append(sock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        while not self._stop.wait(DRIP_EVERY):
            for sock in list(self.dripping):
                try:
                    sock.send(b"x")
                except OSError:
                    self.dripping.remove(sock)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for sock in self.sockets:
            sock.close()


def closed_by_server(sock: socket.socket, until: float) -> bool:
    """Whether the server closes ``sock`` before ``until`` (a 408 first is fine)."""
    while (left := until - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if not sock.recv(4096):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False
    return False


def test_stalled_clients_do_not_delay_a_signed_feedback(served: Served) -> None:
    opened = time.monotonic()
    stallers = Stallers(served.port, STALLED)
    try:
        started = time.monotonic()
        request = slash_command("/feedback", "remote build cache", trigger_id="9.9.slow")
        status, body, _ = post(f"{served.base}/slack/events", request, timeout=SLACK_ACK_SECONDS)
        assert time.monotonic() - started < SLACK_ACK_SECONDS
        assert status == 200
        assert "Logged as" in body
        until = opened + CLOSED_WITHIN
        still_open = [s for s in stallers.sockets if not closed_by_server(s, until)]
        assert not still_open, f"{len(still_open)} stalled connections still open"
    finally:
        stallers.close()
    assert count_requests(served.database_url) == 1
