"""Time-to-ack of `/feedback` under load: Pulseboard beside a bare bolt app, same run.

Fires signed `/feedback` requests at `pulseboard serve --http` (SQLite, and PostgreSQL
when PULSEBOARD_TEST_POSTGRES_URL is set) from a pool of concurrent clients, then counts
the stored rows: every request must be stored exactly once.

    .venv/bin/python -m benchmarks.feedback_ack [--requests 2000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select, text

from storage.db import make_engine
from storage.models import Request
from tests.conftest import url_with_schema
from tests.e2e.test_serve_http import free_port
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import SIGNING_SECRET, post, slash_command
from tests.system.replicas import ASKS

PULSEBOARD = str(Path(sys.executable).parent / "pulseboard")


def wait_healthy(base: str, process: subprocess.Popen) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def fire(base: str, total: int, concurrency: int, response_url: str, tag: str) -> list[float]:
    def one(number: int) -> float:
        request = slash_command(
            "/feedback",
            f"{ASKS[number % len(ASKS)]} ({tag} {number})",
            user_id=f"U0LOAD{number % 60:04d}",
            trigger_id=f"{tag}.{number}.bench",
            response_url=response_url,
        )
        started = time.perf_counter()
        status, _, _ = post(f"{base}/slack/events", request, timeout=30)
        elapsed = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"request {number} answered {status}")
        return elapsed

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(total)))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_server(args: list[str], env: dict[str, str]) -> tuple[str, subprocess.Popen]:
    port = free_port()
    process = subprocess.Popen(
        [*args, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, process)
    return base, process


def measure(
    label: str, database_url: str | None, total: int, concurrency: int, slack: FakeSlackAPI
) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PULSEBOARD_"))}
    env |= {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_API_URL": slack.url,
        "PULSEBOARD_LOG_LEVEL": "WARNING",
    }
    if database_url is None:
        command = [sys.executable, "-m", "benchmarks.bare_bolt_app"]
    else:
        env["DATABASE_URL"] = database_url
        subprocess.run([PULSEBOARD, "db", "upgrade"], env=env, check=True, capture_output=True)
        command = [PULSEBOARD, "serve", "--http", "--host", "127.0.0.1"]
    base, process = run_server(command, env)
    try:
        fire(base, min(100, total), concurrency, slack.response_url("warmup"), f"warm-{label}")
        latencies = fire(base, total, concurrency, slack.response_url(), label)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return latencies


def stored(database_url: str, tag: str) -> tuple[int, int]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = (
            connection.scalar(
                select(func.count(Request.id)).where(Request.title.like(f"%({tag} %"))
            )
            or 0
        )
        distinct = (
            connection.scalar(
                select(func.count(func.distinct(Request.idempotency_key))).where(
                    Request.title.like(f"%({tag} %")
                )
            )
            or 0
        )
    engine.dispose()
    return rows, distinct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    targets: list[tuple[str, str | None]] = [("bare bolt app", None)]
    workdir = Path(tempfile.mkdtemp(prefix="pulseboard-bench-"))
    targets.append(("pulseboard sqlite", f"sqlite:///{workdir / 'bench.db'}"))
    postgres = os.environ.get("PULSEBOARD_TEST_POSTGRES_URL")
    schema = f"pulseboard_bench_{os.getpid()}"
    if postgres:
        admin = make_engine(postgres)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        targets.append(("pulseboard postgresql", url_with_schema(postgres, schema)))
    else:
        print("PostgreSQL skipped: set PULSEBOARD_TEST_POSTGRES_URL to include it")
    print(f"{args.requests} signed /feedback requests, {args.concurrency} concurrent clients\n")
    print(
        f"{'target':<24}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'req/s':>9}"
        f"{'p99 ÷ bare':>12}{'stored':>9}{'dupes':>7}"
    )
    bare_p99 = None
    try:
        with FakeSlackAPI() as slack:
            for label, url in targets:
                tag = label.replace(" ", "-")
                started = time.perf_counter()
                latencies = measure(tag, url, args.requests, args.concurrency, slack)
                wall = time.perf_counter() - started
                p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
                bare_p99 = bare_p99 or p99
                rows, distinct = stored(url, tag) if url else (0, 0)
                print(
                    f"{label:<24}{p50:>9.1f}{p99:>9.1f}{max(latencies) * 1000:>9.1f}"
                    f"{len(latencies) / wall:>9.0f}{p99 / bare_p99:>11.2f}×"
                    f"{rows if url else '-':>9}{(rows - distinct) if url else '-':>7}"
                )
                if url and rows != args.requests:
                    print(f"  !! expected {args.requests} stored rows, found {rows}")
                print(f"  mean {statistics.mean(latencies) * 1000:.1f} ms")
    finally:
        if postgres:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
