"""Time-to-ack of `/feedback` under load: Pulseboard beside a bare bolt app, same run.

Fires signed `/feedback` requests at `pulseboard serve --http` (SQLite, and PostgreSQL
when PULSEBOARD_TEST_POSTGRES_URL is set) from a pool of concurrent clients (a closed
loop: each client sends its next request as soon as the last is answered), then waits
for the placement worker to place them all and counts the rows: every request must be
stored exactly once, placed in a theme, and its asker told (one reply per request).

    .venv/bin/python -m benchmarks.feedback_ack [--requests 2000] [--concurrency 20] [--rounds 3]
        [--steady-rate 5] [--steady-seconds 30]

Before each burst, Pulseboard also gets requests at a steady rate (5 a second for 30 s),
and the time from each ack to its placement reply (theme and similar asks) is reported.

The machine's speed drifts between runs (shared CPUs), so the bare app is measured again
in every round, just before the targets it is compared with.
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
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text

from storage.db import make_engine
from storage.models import PendingPlacement, Request
from tests.e2e.test_serve_http import free_port
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import SIGNING_SECRET, post, slash_command
from tests.fixtures.databases import url_with_schema
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


def steady(
    base: str, rate: float, seconds: float, slack: FakeSlackAPI, tag: str, timeout: float = 30.0
) -> list[float]:
    """Send ``rate`` requests a second for ``seconds``, each on time whatever the answers
    before it took; the seconds from each ack to its placement reply (the answer that
    names the theme and the similar asks), as Slack would see them."""
    total = int(rate * seconds)
    start = time.time() + 0.5
    acked: dict[int, float] = {}

    def one(number: int) -> None:
        time.sleep(max(0.0, start + number / rate - time.time()))
        request = slash_command(
            "/feedback",
            f"{ASKS[number % len(ASKS)]} ({tag} {number})",
            user_id=f"U0LOAD{number % 60:04d}",
            trigger_id=f"{tag}.{number}.bench",
            response_url=slack.response_url(f"{tag}-{number}"),
        )
        status, _, _ = post(f"{base}/slack/events", request, timeout=30)
        if status != 200:
            raise RuntimeError(f"request {number} answered {status}")
        acked[number] = time.time()

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(one, range(total)))
    deadline = time.time() + timeout
    delays: list[float] = []
    for number in range(total):
        while not (replies := slack.responses(f"{tag}-{number}")) and time.time() < deadline:
            time.sleep(0.05)
        if replies:
            delays.append(replies[-1].at - acked[number])
    return delays


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


@dataclass
class Run:
    latencies: list[float]
    seconds: float
    placed_after: float | None = None
    answered_after: float | None = None
    #: Seconds from ack to placement reply at a steady rate (``--steady-rate``).
    reply_delays: list[float] | None = None
    replies_expected: int = 0


def measure(
    label: str,
    database_url: str | None,
    args: argparse.Namespace,
    slack: FakeSlackAPI,
) -> Run:
    total, concurrency = args.requests, args.concurrency
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
        reply_delays = None
        if database_url is not None:
            wait_placed(database_url)
            reply_delays = steady(
                base, args.steady_rate, args.steady_seconds, slack, f"{label}-steady"
            )
            wait_placed(database_url)
        started = time.perf_counter()
        latencies = fire(base, total, concurrency, slack.response_url(label), label)
        run = Run(latencies, time.perf_counter() - started, reply_delays=reply_delays)
        run.replies_expected = int(args.steady_rate * args.steady_seconds)
        if database_url is not None:
            run.placed_after = wait_placed(database_url)
            run.answered_after = wait_answered(slack, label, total, since=started + run.seconds)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return run


def wait_placed(database_url: str, timeout: float = 300.0) -> float | None:
    """Seconds until the placement queue is empty (every request placed), None if never."""
    engine = make_engine(database_url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            with engine.connect() as connection:
                if not connection.scalar(select(func.count(PendingPlacement.id))):
                    return time.perf_counter() - started
            time.sleep(0.05)
        return None
    finally:
        engine.dispose()


def wait_answered(
    slack: FakeSlackAPI, name: str, total: int, since: float, timeout: float = 60.0
) -> float | None:
    """Seconds from ``since`` (perf_counter) until ``total`` placement replies have
    reached the response URL ``name``, None if they never do."""
    deadline = time.perf_counter() + timeout
    while len(slack.responses(name)) < total:
        if time.perf_counter() > deadline:
            return None
        time.sleep(0.05)
    return time.perf_counter() - since


def stored(database_url: str, tag: str) -> tuple[int, int, int]:
    """(rows, distinct idempotency keys, rows placed in a theme) for one run's requests."""
    engine = make_engine(database_url)
    mine = Request.title.like(f"%({tag} %")
    with engine.connect() as connection:
        rows, distinct, placed = connection.execute(
            select(
                func.count(Request.id),
                func.count(func.distinct(Request.idempotency_key)),
                func.count(Request.theme_id),
            ).where(mine)
        ).one()
    engine.dispose()
    return int(rows), int(distinct), int(placed)


def report(
    round_number: int,
    label: str,
    url: str | None,
    tag: str,
    run: Run,
    figures: tuple[float, float],
    bare: tuple[float, float],
    slack: FakeSlackAPI,
    args: argparse.Namespace,
) -> None:
    p50, p99 = figures
    rows, distinct, placed = stored(url, tag) if url else (0, 0, 0)
    replies = len(slack.responses(tag))
    print(
        f"{round_number:<6}{label:<24}{p50:>8.1f}{p99:>8.1f}{max(run.latencies) * 1000:>8.1f}"
        f"{len(run.latencies) / run.seconds:>7.0f}"
        f"{p50 / bare[0]:>9.2f}×{p99 / bare[1]:>9.2f}×"
        + (
            f"{rows:>8}{rows - distinct:>6}{placed:>8}{replies:>8}"
            if url
            else f"{'-':>8}{'-':>6}{'-':>8}{'-':>8}"
        )
    )
    if url and rows != args.requests:
        print(f"  !! expected {args.requests} stored rows, found {rows}")
    if run.reply_delays is not None:
        delays = run.reply_delays or [float("nan")]
        print(
            f"  at {args.steady_rate:g} requests/s: placement reply p50 "
            f"{percentile(delays, 0.5):.2f} s, p95 {percentile(delays, 0.95):.2f} s, "
            f"max {max(delays):.2f} s after the ack "
            f"({len(run.reply_delays)} of {run.replies_expected} replies)"
        )
    if run.placed_after is not None:
        print(f"  every request placed {run.placed_after:.1f} s after the last ack", end="")
        if run.answered_after is not None:
            print(f", and its asker told {run.answered_after:.1f} s after", end="")
        print()
    elif url:
        print("  !! the placement queue did not drain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steady-rate", type=float, default=5.0, help="requests/s")
    parser.add_argument("--steady-seconds", type=float, default=30.0)
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
    print(
        f"{args.requests} signed /feedback requests, {args.concurrency} concurrent clients, "
        f"{args.rounds} round(s); each round measures the bare app again, and each ratio is "
        "to the bare app of the same round\n"
    )
    print(
        f"{'round':<6}{'target':<24}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'req/s':>7}"
        f"{'p50÷bare':>10}{'p99÷bare':>10}{'stored':>8}{'dupes':>6}{'placed':>8}{'replies':>8}"
    )
    ratios: dict[str, list[tuple[float, float]]] = {label: [] for label, url in targets if url}
    try:
        with FakeSlackAPI() as slack:
            for round_number in range(1, args.rounds + 1):
                bare: tuple[float, float] | None = None
                for label, url in targets:
                    tag = f"{label.replace(' ', '-')}-r{round_number}"
                    run = measure(tag, url, args, slack)
                    p50 = percentile(run.latencies, 0.5) * 1000
                    p99 = percentile(run.latencies, 0.99) * 1000
                    bare = bare or (p50, p99)
                    if url:
                        ratios[label].append((p50 / bare[0], p99 / bare[1]))
                    report(round_number, label, url, tag, run, (p50, p99), bare, slack, args)
        print("\nmedian (and worst) ratio to the bare app over the rounds:")
        for label, measured in ratios.items():
            p50s, p99s = [r[0] for r in measured], [r[1] for r in measured]
            print(
                f"  {label:<24}p50 {statistics.median(p50s):.2f}× ({max(p50s):.2f}×)   "
                f"p99 {statistics.median(p99s):.2f}× ({max(p99s):.2f}×)"
            )
    finally:
        if postgres:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
