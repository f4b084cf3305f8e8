"""What one `/feedback` ack costs the serving process's interpreter, beside a bare bolt app.

Dispatches signed `/feedback` requests through bolt's ``app.dispatch`` in this process (no
HTTP, no placement worker: exactly the listener's path, from the signature check to the
ack) and prints the CPU time per request: for a bare bolt app whose listener only acks,
and for Pulseboard's app on SQLite (and PostgreSQL when PULSEBOARD_TEST_POSTGRES_URL is
set), from one thread and from ``--threads`` threads at once, and for the store alone
(``log_request`` in a unit of work, without bolt).

    .venv/bin/python -m benchmarks.ack_cpu [--requests 1500] [--threads 16]

Why it matters: a serving process answers from threads that share one interpreter lock, so
under a burst its CPU time per request sets its throughput, and in a closed loop latency
follows throughput. `benchmarks/feedback_ack.py` measures the latency; this shows the floor
under its ratio to the bare app: CPU per ack ÷ the bare app's, in the same run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from slack_bolt import Ack, App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlalchemy import text

from bot.runtime.deps import Deps
from bot.runtime.settings import Settings
from bot.services.requests import ACK_WRITE_TIMEOUT_SECONDS, NewRequest, log_request
from bot.services.scoring_config import scoring_config
from bot.slack.app import create_app
from storage import migrate
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.enums import RequestSource
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import SIGNING_SECRET, SignedRequest, slash_command
from tests.fixtures.databases import url_with_schema
from tests.system.replicas import ASKS

WARMUP = 300


class NoPlacementWorker:
    """Stands in for the placement worker: this measures the ack, not what follows it."""

    def wake(self) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Cost:
    cpu_ms: float  # process CPU time per request, every thread counted
    wall_ms: float


def measure(run_one: Callable[[int], None], numbers: Sequence[int], threads: int) -> Cost:
    """CPU and wall time per call of ``run_one`` over ``numbers``, split over ``threads``."""

    def run(part: Sequence[int]) -> None:
        for number in part:
            run_one(number)

    run(numbers[:WARMUP])
    rest = numbers[WARMUP:]
    workers = [threading.Thread(target=run, args=(rest[i::threads],)) for i in range(threads)]
    cpu, wall = time.process_time(), time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return Cost(
        (time.process_time() - cpu) / len(rest) * 1000,
        (time.perf_counter() - wall) / len(rest) * 1000,
    )


def dispatcher(app: App, requests: Sequence[SignedRequest]) -> Callable[[int], None]:
    def dispatch(number: int) -> None:
        request = requests[number]
        response = app.dispatch(BoltRequest(body=request.body, headers=request.headers))
        if response.status != 200:
            raise RuntimeError(f"answered {response.status}: {response.body}")

    return dispatch


def storer(sessions: SessionFactory, tag: str, response_url: str) -> Callable[[int], None]:
    """The listener's store without bolt: one unit of work, ``log_request``, the commit."""

    def store(number: int) -> None:
        new = NewRequest(
            requester_slack_id=f"U0LOAD{number % 60:04d}",
            text=f"{ASKS[number % len(ASKS)]} ({tag} store {number})",
            source=RequestSource.COMMAND,
            idempotency_key=f"store:{tag}:{number}",
            confirm_to=f"U0LOAD{number % 60:04d}",
            response_url=response_url,
        )
        with unit_of_work(sessions, "T0BENCH", write_timeout=ACK_WRITE_TIMEOUT_SECONDS) as uow:
            log_request(uow, new)

    return store


def feedback_requests(tag: str, count: int, response_url: str) -> list[SignedRequest]:
    return [
        slash_command(
            "/feedback",
            f"{ASKS[n % len(ASKS)]} ({tag} {n})",
            user_id=f"U0LOAD{n % 60:04d}",
            trigger_id=f"{tag}.{n}.bench",
            response_url=response_url,
        )
        for n in range(count)
    ]


def bare_app(client: WebClient) -> App:
    app = App(signing_secret=SIGNING_SECRET, token_verification_enabled=False, client=client)

    @app.command("/feedback")
    def feedback(ack: Ack) -> None:
        ack(response_type="ephemeral", text="ok")

    return app


def migrated(url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()


@contextmanager
def database(label: str) -> Iterator[str]:
    """A migrated database for ``label`` ("sqlite" or "postgresql"), as a URL."""
    if label == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pulseboard-ack-cpu-") as folder:
            url = f"sqlite:///{folder}/bench.db"
            migrated(url)
            yield url
        return
    postgres = os.environ["PULSEBOARD_TEST_POSTGRES_URL"]
    schema = f"pulseboard_ack_cpu_{os.getpid()}"
    admin = make_engine(postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = url_with_schema(postgres, schema)
        migrated(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500, help="per measurement")
    parser.add_argument("--threads", type=int, default=16, help="threads dispatching at once")
    args = parser.parse_args()
    backends = ["sqlite"]
    if os.environ.get("PULSEBOARD_TEST_POSTGRES_URL"):
        backends.append("postgresql")
    else:
        print("PostgreSQL skipped: set PULSEBOARD_TEST_POSTGRES_URL to include it")
    print(
        f"{args.requests - WARMUP} signed /feedback requests per line (after {WARMUP} to warm "
        "up), dispatched in this process; CPU ms per request, every thread counted\n"
    )
    print(f"{'what':<34}{'threads':>8}{'CPU ms':>9}{'wall ms':>9}{'CPU ÷ bare':>12}")
    numbers = list(range(args.requests))
    with FakeSlackAPI() as slack:
        client = WebClient(token="xoxb-bench", base_url=slack.url, timeout=5)
        response_url = slack.response_url("ack-cpu")
        bare: dict[int, float] = {}
        for threads in (1, args.threads):
            requests = feedback_requests(f"bare-{threads}", args.requests, response_url)
            cost = measure(dispatcher(bare_app(client), requests), numbers, threads)
            bare[threads] = cost.cpu_ms
            print(f"{'bare bolt app':<34}{threads:>8}{cost.cpu_ms:>9.3f}{cost.wall_ms:>9.3f}")
        for backend in backends:
            with database(backend) as url:
                settings = Settings(
                    slack_bot_token="xoxb-bench",
                    slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=slack.url,
                    database_url=url,
                )
                engine = make_engine(url)
                sessions = make_session_factory(engine)
                deps = Deps(settings, sessions, NoPlacementWorker(), scoring_config(settings))
                app = create_app(settings, client, deps)
                for threads in (1, args.threads):
                    requests = feedback_requests(
                        f"{backend}-{threads}", args.requests, response_url
                    )
                    cost = measure(dispatcher(app, requests), numbers, threads)
                    print(
                        f"{'pulseboard ' + backend:<34}{threads:>8}{cost.cpu_ms:>9.3f}"
                        f"{cost.wall_ms:>9.3f}{cost.cpu_ms / bare[threads]:>11.2f}×"
                    )

                cost = measure(storer(sessions, backend, response_url), numbers, 1)
                print(
                    f"{'  the store alone, ' + backend:<34}{1:>8}{cost.cpu_ms:>9.3f}"
                    f"{cost.wall_ms:>9.3f}{cost.cpu_ms / bare[1]:>11.2f}×"
                )
                engine.dispose()


if __name__ == "__main__":
    main()
