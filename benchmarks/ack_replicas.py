"""Time-to-ack of `/feedback` with 1 and 3 replicas on PostgreSQL, beside a bare bolt app.

Each replica is `pulseboard serve --http --workers 1` (gunicorn) on loopback, all on one
fresh PostgreSQL schema; signed `/feedback` requests go round robin over the replicas
from a pool of concurrent clients, at rising concurrency. The bare bolt app
(benchmarks/bare_bolt_app.py: /feedback only acks) is measured in the same run at the
same concurrency, and each cell's p50 and p99 are divided by the bare app's. After each
Pulseboard target the stored rows are counted: every acked request once, no duplicate.
Skips (exit 0) without PULSEBOARD_TEST_POSTGRES_URL.

    .venv/bin/python -m benchmarks.ack_replicas [--requests 1000] [--concurrency 5,20,50]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text

from storage.db import make_engine
from storage.models import Request
from tests.e2e.cli import clean_env
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import SIGNING_SECRET, SignedRequest, slash_command
from tests.fixtures.databases import POSTGRES_ENV, url_with_schema
from tests.system.replicas import (
    ASKS,
    NoReplicaLeftError,
    Replica,
    RoundRobin,
    free_port,
    percentile,
    replica_env,
    start_replicas,
    upgrade_database,
    wait_ready,
)

WARMUP = 100


@dataclass(frozen=True)
class Cell:
    target: str
    clients: int
    latencies: list[float]
    seconds: float
    errors: int

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 0.5) * 1000 if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 0.99) * 1000 if self.latencies else float("nan")


def fire(
    balancer: RoundRobin, slack: FakeSlackAPI, total: int, clients: int, tag: str
) -> tuple[list[float], float, int]:
    """``total`` requests from ``clients`` concurrent clients; latencies, wall time, errors.

    An answer counts when it is a 200 whose text is the app's ("Logged as #N" from
    Pulseboard, "ok" from the bare app); anything else is an error.
    """
    response_url = slack.response_url(f"bench-{tag}")

    def one(number: int) -> float | None:
        def build() -> SignedRequest:
            return slash_command(
                "/feedback",
                f"{ASKS[number % len(ASKS)]} ({tag} {number})",
                user_id=f"U0LOAD{number % 60:04d}",
                trigger_id=f"{tag}.{number}.bench",
                response_url=response_url,
            )

        try:
            answer = balancer.send(build)
        except (OSError, NoReplicaLeftError):
            return None
        try:
            said = str(json.loads(answer.body).get("text", ""))
        except ValueError:
            said = ""
        if answer.status != 200 or not (said.startswith("Logged as") or said == "ok"):
            return None
        return answer.seconds

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(total)))
    wall = time.perf_counter() - started
    latencies = [r for r in results if r is not None]
    return latencies, wall, len(results) - len(latencies)


def measure(
    label: str,
    balancer: RoundRobin,
    slack: FakeSlackAPI,
    total: int,
    concurrency: list[int],
) -> list[Cell]:
    cells = []
    for clients in concurrency:
        tag = f"{label.replace(' ', '-')}-c{clients}"
        fire(balancer, slack, min(WARMUP, total), clients, f"warm-{tag}")
        latencies, wall, errors = fire(balancer, slack, total, clients, tag)
        cells.append(Cell(label, clients, latencies, wall, errors))
        print(f"  measured {label} at {clients} clients", file=sys.stderr)
    return cells


@contextmanager
def bare_app(slack: FakeSlackAPI, workdir: Path) -> Iterator[list[Replica]]:
    """The baseline: benchmarks/bare_bolt_app.py on the same built-in server."""
    env = clean_env(SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.url)
    port = free_port()
    log_path = workdir / "bare.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bare_bolt_app", "--port", str(port)],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    replica = Replica("bare", port, process, log_path)
    try:
        wait_ready(replica)
        yield [replica]
    finally:
        replica.ensure_gone()


@contextmanager
def pulseboard(
    count: int, database_url: str, slack: FakeSlackAPI, workdir: Path
) -> Iterator[list[Replica]]:
    """``count`` replicas on ``database_url`` (migrated first), stopped afterwards."""
    env = replica_env(database_url, slack.url, PULSEBOARD_LOG_LEVEL="WARNING")
    upgrade_database(env, workdir)
    replicas = start_replicas(count, env, workdir, workdir)
    try:
        yield replicas
    finally:
        for replica in replicas:
            replica.ensure_gone()


def stored(database_url: str) -> tuple[int, int]:
    """(rows, distinct idempotency keys) of the measured requests (warm-up ones left out)."""
    engine = make_engine(database_url)
    measured = ~Request.idempotency_key.like("%:warm-%")
    with engine.connect() as connection:
        rows = connection.scalar(select(func.count(Request.id)).where(measured)) or 0
        keys = (
            connection.scalar(
                select(func.count(func.distinct(Request.idempotency_key))).where(measured)
            )
            or 0
        )
    engine.dispose()
    return rows, keys


def print_table(cells: list[Cell], bare: dict[int, Cell]) -> None:
    print(
        f"{'target':<24}{'clients':>8}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>8}"
        f"{'p50 ÷ bare':>12}{'p99 ÷ bare':>12}{'errors':>8}"
    )
    for cell in cells:
        base = bare[cell.clients]
        print(
            f"{cell.target:<24}{cell.clients:>8}{cell.p50:>9.1f}{cell.p99:>9.1f}"
            f"{len(cell.latencies) / cell.seconds:>8.0f}"
            f"{cell.p50 / base.p50:>11.2f}×{cell.p99 / base.p99:>11.2f}×{cell.errors:>8}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per cell (default 1000)")
    parser.add_argument(
        "--concurrency",
        default="5,20,50",
        help="concurrent clients, comma-separated, rising (default 5,20,50)",
    )
    parser.add_argument("--replicas", default="1,3", help="replica counts (default 1,3)")
    args = parser.parse_args()
    concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    replica_counts = [int(r) for r in args.replicas.split(",") if r.strip()]
    postgres = os.environ.get(POSTGRES_ENV)
    if not postgres:
        print(f"ack_replicas skipped: set {POSTGRES_ENV} to a PostgreSQL server to run it")
        return
    print(
        f"{args.requests} signed /feedback requests per cell (after {WARMUP} warm-up), "
        f"round robin over the replicas; concurrency {concurrency}; "
        f"{os.cpu_count()} CPUs on this machine\n",
        flush=True,
    )
    admin = make_engine(postgres)
    schemas = [f"pulseboard_bench_replicas_{os.getpid()}_{count}" for count in replica_counts]
    cells: list[Cell] = []
    checks: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="pulseboard-ack-replicas-"))
    try:
        with FakeSlackAPI() as slack:
            with bare_app(slack, workdir) as replicas:
                cells += measure(
                    "bare bolt app", RoundRobin(replicas), slack, args.requests, concurrency
                )
            for count, schema in zip(replica_counts, schemas, strict=True):
                with admin.begin() as connection:
                    connection.execute(text(f'CREATE SCHEMA "{schema}"'))
                url = url_with_schema(postgres, schema)
                label = f"pulseboard ×{count} replica" + ("s" if count > 1 else "")
                with pulseboard(count, url, slack, workdir) as replicas:
                    target_cells = measure(
                        label, RoundRobin(replicas), slack, args.requests, concurrency
                    )
                cells += target_cells
                acked = sum(len(c.latencies) for c in target_cells)
                rows, keys = stored(url)
                verdict = "ok" if rows == keys == acked else "MISMATCH"
                checks.append(
                    f"{label}: {acked} acked, {rows} rows stored, "
                    f"{rows - keys} duplicates: {verdict}"
                )
    finally:
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    bare = {c.clients: c for c in cells if c.target == "bare bolt app"}
    print_table(cells, bare)
    print()
    for line in checks:
        print(line)


if __name__ == "__main__":
    main()
