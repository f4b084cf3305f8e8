"""Replicas of `pulseboard serve --http` on loopback, and a load balancer in front of them.

Shared by the system test (tests/system/test_replicas.py) and the benchmark
(benchmarks/ack_replicas.py). Each replica is gunicorn (``--workers 1``) in a process
group of its own, so that killing a replica kills its worker too, as losing a machine or
a container would; stopping the arbiter alone would leave its worker serving.

:class:`RoundRobin` plays the load balancer: requests go round robin to the replicas it
believes alive; a connection error (refused, reset, cut mid-answer) takes the replica out
of rotation and the same request goes to the next one, which is what a load balancer does
with a backend that stopped answering. Anything else (an HTTP error, a timeout) is the
request's answer and is not retried: the request may have been handled.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.cli import PULSEBOARD, serve_env
from tests.fakes.slack_requests import SignedRequest, post

STARTUP_SECONDS = 30
STOP_SECONDS = 45
EVENTS_PATH = "/slack/events"

#: Requests as people type them, cycled through by load tests and benchmarks.
ASKS = [
    "CI builds are slow, add a remote cache",
    "one-click rollback for deploys",
    "self-service kafka topics",
    "searchable data catalog with lineage",
    "fewer noisy alerts at night",
    "temporary prod access with approval",
    "preview environment per pull request",
    "rotate secrets automatically",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def replica_env(database_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    """What every replica is started with: the same database, the same (fake) Slack."""
    return serve_env(
        slack_api_url,
        database_url,
        PULSEBOARD_LOG_FORMAT="json",
        PULSEBOARD_THEME_BACKEND="tfidf",
        **extra,
    )


def upgrade_database(env: dict[str, str], cwd: Path) -> None:
    """`pulseboard db upgrade`, once, before any replica starts (as the README says)."""
    done = subprocess.run(
        [PULSEBOARD, "db", "upgrade"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pulseboard db upgrade failed: {done.stderr[-2000:]}")


@dataclass
class Replica:
    """One `pulseboard serve --http --workers 1`, logging to a file (a pipe would fill)."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.base}{EVENTS_PATH}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def owns_pid(self, pid: int) -> bool:
        """Whether ``pid`` (e.g. a lease holder) is this replica's arbiter or worker."""
        try:
            return os.getpgid(pid) == self.process.pid
        except ProcessLookupError:
            return False

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the whole replica (arbiter and worker), as a machine dying would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM (graceful: in-flight requests and the running job finish); returns the code.

        Falls back to SIGKILL of the group after ``STOP_SECONDS``.
        """
        if not self.alive():
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.returncode

    def ensure_gone(self) -> None:
        """Whatever happened, leave no process of this replica behind."""
        if self.alive():
            self.stop()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # a worker that outlived its arbiter


def start_replica(name: str, env: dict[str, str], cwd: Path, log_dir: Path) -> Replica:
    port = free_port()
    log_path = log_dir / f"{name}.log"
    command = [PULSEBOARD, "serve", "--http", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--workers", "1"],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Replica(name, port, process, log_path)


def wait_ready(replica: Replica, timeout: float = STARTUP_SECONDS) -> None:
    """Until /readyz answers 200 (the database answers with a current schema)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not replica.alive():
            raise RuntimeError(f"{replica.name} exited early:\n{replica.log_tail()}")
        try:
            with urllib.request.urlopen(f"{replica.base}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{replica.name} not ready after {timeout:.0f} s:\n{replica.log_tail()}")


def start_replicas(count: int, env: dict[str, str], cwd: Path, log_dir: Path) -> list[Replica]:
    """Start ``count`` replicas at once (they race for the same jobs), then wait for each."""
    replicas = [start_replica(f"replica-{n}", env, cwd, log_dir) for n in range(count)]
    try:
        for replica in replicas:
            wait_ready(replica)
    except BaseException:
        for replica in replicas:
            replica.ensure_gone()
        raise
    return replicas


def is_connection_error(error: BaseException) -> bool:
    """Refused, reset or cut before a full answer: the backend is gone, not slow."""
    if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
        reason = error.reason
        return isinstance(reason, ConnectionError)
    return isinstance(error, ConnectionError | http.client.IncompleteRead)


@dataclass(frozen=True)
class Answer:
    """What the load balancer got back for one request."""

    status: int
    body: str
    replica: str
    seconds: float
    retries: int


class NoReplicaLeftError(Exception):
    pass


@dataclass
class RoundRobin:
    """A load balancer on the client side: round robin, passive health checks.

    A replica that fails with a connection error is out of rotation for good (this run
    never brings one back). ``retries`` counts the requests sent again to another replica;
    :meth:`in_flight` tells how many requests a replica is handling right now.
    """

    replicas: list[Replica]
    timeout: float = 30.0
    retries: int = 0
    _live: list[Replica] = field(init=False)
    _turn: itertools.count[int] = field(init=False, default_factory=itertools.count)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _in_flight: Counter[str] = field(init=False, default_factory=Counter)

    def __post_init__(self) -> None:
        self._live = list(self.replicas)

    def in_flight(self, replica: Replica) -> int:
        with self._lock:
            return self._in_flight[replica.name]

    @property
    def live(self) -> list[Replica]:
        with self._lock:
            return list(self._live)

    def _pick(self) -> Replica:
        with self._lock:
            if not self._live:
                raise NoReplicaLeftError("every replica failed")
            return self._live[next(self._turn) % len(self._live)]

    def _mark_down(self, replica: Replica) -> None:
        with self._lock:
            if replica in self._live:
                self._live.remove(replica)

    def send(self, build: Callable[[], SignedRequest]) -> Answer:
        """Send one request (built once, sent unchanged on a retry) and time it."""
        request = build()
        retries = 0
        started = time.perf_counter()
        for _ in range(len(self.replicas)):
            replica = self._pick()
            with self._lock:
                self._in_flight[replica.name] += 1
            try:
                status, body, _ = post(replica.events_url, request, timeout=self.timeout)
            except (OSError, http.client.HTTPException) as error:
                if not is_connection_error(error):
                    raise
                self._mark_down(replica)
                retries += 1
                with self._lock:
                    self.retries += 1
                continue
            finally:
                with self._lock:
                    self._in_flight[replica.name] -= 1
            return Answer(status, body, replica.name, time.perf_counter() - started, retries)
        raise NoReplicaLeftError(f"no replica answered after {retries} tries")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
