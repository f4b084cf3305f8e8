"""A burst of tracker webhooks: answered fast, each acted on exactly once, every redelivery
answered as a duplicate.

Starts `pulseboard serve --http` on loopback (SQLite in a temporary folder, or the database
of ``--database-url``: a PostgreSQL one gets a schema of its own for the run, dropped after)
with a GitHub webhook secret and N linked GitHub issues (ten to a theme), then from a pool of
concurrent clients (closed loop) sends, over real HTTP:

1. N ``GET /healthz`` and N deliveries with a forged signature (refused with 401 before any
   JSON or database work): the baselines, on the same server in the same run;
2. N signed ``issues`` deliveries, one per linked issue, each closing it as completed;
3. the same N deliveries again (GitHub's "Redeliver": same ``X-GitHub-Delivery``, same body).

After the burst and again after the redelivery it counts the rows: N handled deliveries,
N links in the round's state, every first answer ``links: 1`` and every redelivery
``duplicate``. Each round (fresh delivery ids) moves every issue to another state: closed
as completed (*done*), then reopened and assigned (*in progress*), and so on. It prints
p50/p95/p99 answer times per round, each ratio to the 401 path of the same round, and the
median ratios over the rounds; it exits 1 if any count or answer is wrong.

    .venv/bin/python -m benchmarks.webhook_burst [--deliveries 1000] [--concurrency 20]
        [--rounds 3] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from benchmarks.feedback_ack import PULSEBOARD, run_server
from storage.db import is_sqlite, make_engine, make_session_factory
from storage.models import HandledDelivery, ThemeLink
from tests.e2e.cli import serve_env
from tests.fakes import tracker_webhooks as hooks
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import SignedRequest, post
from tests.fixtures.databases import url_with_schema
from tests.fixtures.tracker_links import link_items
from tests.system.replicas import percentile, upgrade_database

REPOSITORY = "acme/ci"
LINKS_PER_THEME = 10
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Burst:
    label: str
    latencies: list[float]
    seconds: float
    wrong: int  # answers other than the one expected

    def ms(self, share: float) -> float:
        return percentile(self.latencies, share) * 1000


#: What each round does to every issue, by the round's parity: the state it leaves, and
#: the ``issue`` of the delivery (closed as completed; reopened and assigned).
ROUND_STATES = (
    ("done", {"state": "closed", "state_reason": "completed"}),
    ("in_progress", {"state": "open", "assignees": [{"login": "dev"}]}),
)


def state_of(round_number: int) -> str:
    return ROUND_STATES[(round_number - 1) % 2][0]


def signed(round_number: int, number: int, secret: str = hooks.SECRET) -> SignedRequest:
    issue = {"number": number, **ROUND_STATES[(round_number - 1) % 2][1]}
    payload = {"action": "edited", "issue": issue, "repository": {"full_name": REPOSITORY}}
    delivery = hooks.github(payload, "issues", f"burst-r{round_number}-{number}", secret)
    headers = {"Content-Type": "application/json", **delivery.headers}
    return SignedRequest(delivery.body.decode(), headers)


def fire(
    label: str,
    send: Callable[[int], tuple[int, str]],
    expected: Callable[[int, str], bool],
    total: int,
    clients: int,
) -> Burst:
    def one(number: int) -> tuple[float, bool]:
        started = time.perf_counter()
        status, answer = send(number)
        return time.perf_counter() - started, expected(status, answer)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(1, total + 1)))
    seconds = time.perf_counter() - started
    return Burst(label, [r[0] for r in results], seconds, sum(1 for r in results if not r[1]))


def healthz(base: str) -> Callable[[int], tuple[int, str]]:
    def send(_number: int) -> tuple[int, str]:
        with urllib.request.urlopen(f"{base}/healthz", timeout=30) as response:
            return response.status, response.read().decode()

    return send


def webhook(
    base: str, round_number: int, secret: str = hooks.SECRET
) -> Callable[[int], tuple[int, str]]:
    def send(number: int) -> tuple[int, str]:
        request = signed(round_number, number, secret)
        status, answer, _ = post(f"{base}/webhooks/github", request, timeout=30)
        return status, answer

    return send


def answered(status: int, **fields: Any) -> Callable[[int, str], bool]:
    def check(got: int, answer: str) -> bool:
        if got != status:
            return False
        body = json.loads(answer)
        return all(body.get(name) == value for name, value in fields.items())

    return check


def counts(database_url: str, round_number: int) -> tuple[int, int, int]:
    """(deliveries of the round recorded, distinct keys, links in the round's state)."""
    engine = make_engine(database_url)
    mine = HandledDelivery.key.like(f"github:burst-r{round_number}-%")
    try:
        with engine.connect() as connection:
            handled, distinct = connection.execute(
                select(
                    func.count(HandledDelivery.id), func.count(func.distinct(HandledDelivery.key))
                ).where(mine)
            ).one()
            state = state_of(round_number)
            in_state = connection.scalar(
                select(func.count(ThemeLink.id)).where(ThemeLink.state == state)
            )
    finally:
        engine.dispose()
    return int(handled), int(distinct), int(in_state or 0)


def link_issues(database_url: str, total: int) -> None:
    """Link the N issues, ten to a theme."""
    engine = make_engine(database_url)
    try:
        sessions = make_session_factory(engine)
        for first in range(1, total + 1, LINKS_PER_THEME):
            last = min(total, first + LINKS_PER_THEME - 1)
            items = [("github", f"{REPOSITORY}#{n}") for n in range(first, last + 1)]
            link_items(sessions, hooks.WS, items)
    finally:
        engine.dispose()


@contextmanager
def fresh_database(url: str | None) -> Iterator[str]:
    """The run's database: a temporary SQLite file, or a schema of its own in ``url``."""
    if url is not None and is_sqlite(url):
        yield url
        return
    if url is None:
        with tempfile.TemporaryDirectory(prefix="pulseboard-burst-") as folder:
            yield f"sqlite:///{Path(folder) / 'burst.db'}"
        return
    schema = f"pulseboard_burst_{int(time.time())}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url_with_schema(url, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


COLUMNS = f"{'round':<6}{'requests':<28}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>7}"


def report(round_number: int, bursts: list[Burst], baseline: Burst) -> list[tuple[float, ...]]:
    """Print the round's rows; each burst's ratios (p50, p95, p99) to ``baseline``."""
    ratios = []
    for burst in bursts:
        p50, p95, p99 = (burst.ms(share) for share in (0.5, 0.95, 0.99))
        ratio = (p50 / baseline.ms(0.5), p95 / baseline.ms(0.95), p99 / baseline.ms(0.99))
        ratios.append(ratio)
        print(
            f"{round_number:<6}{burst.label:<28}{p50:>8.1f}{p95:>8.1f}{p99:>8.1f}"
            f"{len(burst.latencies) / burst.seconds:>7.0f}{burst.wrong:>7}"
            + "".join(f"{r:>8.2f}×" for r in ratio)
        )
    return ratios


def run_round(
    base: str, url: str, round_number: int, total: int, clients: int
) -> tuple[list[tuple[float, ...]], list[str]]:
    """One round: the baselines, the burst, the redelivery; the ratios to the 401 path and
    what went wrong, if anything."""
    ok = answered(200)
    forged = answered(401, error="invalid signature")
    bursts = [
        fire("GET /healthz", healthz(base), ok, total, clients),
        fire("forged → 401", webhook(base, round_number, "guess"), forged, total, clients),
    ]
    signed_ok = answered(200, links=1)
    bursts.append(fire("signed", webhook(base, round_number), signed_ok, total, clients))
    first = counts(url, round_number)
    duplicate = answered(200, duplicate=True)
    bursts.append(fire("redelivered", webhook(base, round_number), duplicate, total, clients))
    second = counts(url, round_number)
    ratios = report(round_number, bursts, bursts[1])
    print(
        f"      recorded {first[0]} deliveries ({first[1]} distinct), {first[2]} links "
        f"{state_of(round_number)}; after the redelivery: {second[0]} and {second[2]}"
    )
    failures = [
        f"round {round_number}: {b.wrong} wrong answers to {b.label}" for b in bursts if b.wrong
    ]
    if first != (total, total, total) or second != first:
        failures.append(f"round {round_number}: expected {total} recorded, distinct and in state")
    return ratios, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    total, clients = args.deliveries, args.concurrency
    failures: list[str] = []
    ratios: list[list[tuple[float, ...]]] = []
    with fresh_database(args.database_url) as url, FakeSlackAPI() as slack:
        env = serve_env(slack.url, url, PULSEBOARD_GITHUB_WEBHOOK_SECRET=hooks.SECRET)
        env["PULSEBOARD_LOG_LEVEL"] = "WARNING"
        upgrade_database(env, ROOT)
        link_issues(url, total)
        base, process = run_server([PULSEBOARD, "serve", "--http", "--host", "127.0.0.1"], env)
        try:
            backend = "SQLite" if is_sqlite(url) else "PostgreSQL"
            print(
                f"{total} GitHub deliveries a burst, {clients} concurrent clients, {backend}, "
                f"real HTTP on loopback, {args.rounds} round(s); ratios are to the 401 path "
                "(forged signature) of the same round\n"
            )
            fire("warm-up", healthz(base), answered(200), min(100, total), clients)
            fire("warm-up", webhook(base, 0, "guess"), answered(401), min(100, total), clients)
            print(COLUMNS + f"{'wrong':>7}{'p50÷401':>9}{'p95÷401':>9}{'p99÷401':>9}")
            for round_number in range(1, args.rounds + 1):
                measured, wrong = run_round(base, url, round_number, total, clients)
                ratios.append(measured)
                failures += wrong
        finally:
            process.terminate()
            process.wait(timeout=60)
    print("\nmedian ratio to the 401 path over the rounds (p50, p95, p99):")
    for index, label in ((2, "signed"), (3, "redelivered")):
        medians = [statistics.median(r[index][k] for r in ratios) for k in range(3)]
        print(f"  {label:<14}" + "  ".join(f"{m:.2f}×" for m in medians))
    for failure in failures:
        print(f"  !! {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
