"""Draining a pulse round for 10,000 people against Slack's rate limit.

Queues a round for N users (read from the fake's users.list, as the job does), with every
DM due at once, then drains the outbox with W senders against the loopback fake Slack,
which answers 429 with Retry-After beyond R posts a second (a token bucket of ``--burst``
calls, as Slack allows short bursts). Prints the time to drain beside the floor N / R,
with duplicates (a person with two pulse DMs) and losses (a person with none) counted.
Goal: 0 duplicates, 0 losses, time within 1.2× the floor.

    .venv/bin/python -m benchmarks.pulse_drain [--users 10000] [--rate 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.jobs.outbox import DrainReport, OutboxSender, Pace
from bot.services.pulses.rounds import PulseConfig, start_round
from bot.slack.pulse_api import WebApiDirectory
from storage import migrate
from storage.db import make_engine, make_session_factory
from storage.enums import OutboxStatus
from storage.models import OutboxMessage
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_api import FakeSlackAPI
from tests.integration.jobs.outbox_helpers import metadata_key

WS = "T0BENCH01"
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "America/Los_Angeles", ""]


def queue_round(sessions, slack: FakeSlackAPI, users: int) -> tuple[int, float]:
    for n in range(users):
        slack.add_user(f"U{n:09d}", tz=ZONES[n % len(ZONES)] or "Europe/Berlin")
    client = WebClient(token="xoxb-bench", base_url=slack.url, timeout=10)
    started = time.perf_counter()
    directory = WebApiDirectory(client).people()
    now = datetime.now(UTC)
    with unit_of_work(sessions, WS) as uow:
        result = start_round(
            uow,
            PulseConfig(),
            now,
            "bench",
            people=directory,
            deliver_at=lambda _zone, moment, _deadline: moment,  # all due now
        )
    return result.invited, time.perf_counter() - started


def drain(sessions, slack: FakeSlackAPI, pace: Pace, reports: list[DrainReport]) -> None:
    client = WebClient(token="xoxb-bench", base_url=slack.url, timeout=10)
    sender = OutboxSender(sessions, client, batch=50, hold=timedelta(minutes=2), pace=pace)
    stop = threading.Event()

    def pending() -> int:
        with unit_of_work(sessions) as uow:
            return (
                uow.session.scalar(
                    select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.status == OutboxStatus.PENDING
                    )
                )
                or 0
            )

    while not stop.is_set():
        report = sender.drain_once()
        reports.append(report)
        if report.claimed == 0:
            if pending() == 0:
                return
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="posts a second Slack allows")
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pace-factor",
        type=float,
        default=0.85,
        help="each sender's interval as a share of workers / rate (the sender spaces posts "
        "from the end of the previous call, so its call time adds to the interval)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FakeSlackAPI(page_size_cap=1000) as slack:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        sessions = make_session_factory(engine)
        invited, queue_seconds = queue_round(sessions, slack, args.users)
        print(f"queued {invited:,} pulse DMs (users.list + round start) in {queue_seconds:.1f} s")

        limiter = slack.rate_limit("chat.postMessage", args.rate, burst=args.burst)
        # Each sender takes its share of the allowed rate; Retry-After handles the rest.
        interval = args.workers / args.rate * args.pace_factor
        pace = Pace(global_interval=interval, channel_interval=1.0)
        print(f"{args.workers} senders, each pacing posts {interval * 1000:.1f} ms apart")
        reports: list[list[DrainReport]] = [[] for _ in range(args.workers)]
        threads = [
            threading.Thread(target=drain, args=(sessions, slack, pace, reports[i]))
            for i in range(args.workers)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started

        posted = Counter(metadata_key(m.get("metadata")) for m in slack.workspace.all_posted())
        expected = {f"pulse:1:U{n:09d}" for n in range(args.users)}
        duplicates = sum(c - 1 for k, c in posted.items() if k in expected and c > 1)
        losses = len(expected - set(posted))
        failed = sum(r.failed for mine in reports for r in mine)
        floor = invited / args.rate
        print(
            f"drained {invited:,} DMs with {args.workers} senders in {seconds:.1f} s; "
            f"floor N / rate = {invited:,} / {args.rate:g} = {floor:.1f} s; "
            f"ratio {seconds / floor:.3f} (goal ≤ 1.2)"
        )
        print(
            f"duplicates {duplicates}, losses {losses}, failed {failed}, "
            f"429s answered by the fake {limiter.refused}"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
