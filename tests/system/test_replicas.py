"""Three replicas, one PostgreSQL, a dead replica and a database restart: nothing twice.

The scenario of issue 7. Three `pulseboard serve --http --workers 1` replicas share one
PostgreSQL schema and one fake Slack. Their schedulers fire the digest every minute and
an admin starts a pulse round with `/roadmap pulse start`, while ~600 signed
`/feedback` requests arrive from 20 concurrent clients through a round-robin load
balancer. A third of the way in one replica is SIGKILLed (the balancer sends what it
could not deliver to another replica, as a load balancer does on a connection error);
three fifths of the way in PostgreSQL is restarted, and requests that meet the outage
get the app's "try again in a minute" answer and are sent again afterwards, with a new
trigger id, as a person would.

Then, with the replicas stopped: every request is stored exactly once (and none of the
attempts the app said it had not saved), each digest period is posted once to the digest
channel (matching ``digest_runs``), and each person got the pulse DM once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for_futures
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from bot.slack.failures import DATABASE_DOWN
from storage.db import make_engine
from storage.enums import OutboxStatus
from storage.models import DigestRun, Lease, OutboxMessage, PulseInvitation, Request, User
from tests.fakes import slack_ids as ids
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_calls import SlackCall
from tests.fakes.slack_requests import SignedRequest, slash_command
from tests.fixtures.databases import postgres_lock
from tests.system.replicas import (
    ASKS,
    Answer,
    NoReplicaLeftError,
    Replica,
    RoundRobin,
    percentile,
    replica_env,
    start_replicas,
    upgrade_database,
)

pytestmark = [pytest.mark.system, pytest.mark.postgres]

TEAM = ids.TEAM_ID
DIGEST_CHANNEL = "C0DIGEST01"
ADMIN = "U0ADMIN01"
PEOPLE = [ADMIN, *(f"U0DEV{n:04d}" for n in range(1, 8))]
REPLICAS = 3
REQUESTS = 600
CLIENTS = 20
# Requests arrive at this rate (as Slack's traffic does, whatever the answers take), so
# the load spans a minute: the digest (every minute, at :00) fires once while it runs.
REQUESTS_PER_SECOND = 10
KILL_AFTER = REQUESTS // 3  # answered requests before one replica is killed
RESTART_AFTER = REQUESTS * 3 // 5  # ... before PostgreSQL is restarted
LOAD_SECONDS = 150  # the load gives up (and the test fails) after this
RESEND_ROUNDS = 3
KILL_BUSY_WAIT_SECONDS = 5
QUIESCE_SECONDS = 150  # waiting for the jobs and the outbox before stopping the replicas
# Stop the replicas before this second of a minute, well before the next firing at :00.
LAST_QUIET_SECOND = 50
PG_READY_SECONDS = 60


# --- the pulse window: DMs due within the run ------------------------------------------


def pulse_timing(now: datetime) -> tuple[str, str]:
    """A zone for the people and a window that closes a minute or two from now.

    DMs go at a random moment of what is left of the person's working window, so a
    window ending soon puts every DM inside the run. The zone puts the people's local
    time near noon, so the window (local wall times, end after start) never has to
    cross midnight, whatever time of day the test runs.
    """
    offset = 12 - now.hour  # hours east of UTC: -11 … +12
    zone = f"Etc/GMT{-offset:+d}"  # Etc/GMT-5 is UTC+5
    local = now + timedelta(hours=offset)
    end = (local + timedelta(seconds=20)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return zone, f"00:00-{end:%H:%M}"


# --- PostgreSQL restart ------------------------------------------------------------------


def restart_postgres(database_url: str) -> str:
    """Restart the local cluster as an operator would; returns what happened or why not."""
    tool = shutil.which("pg_ctlcluster")
    host = make_url(database_url).host or ""
    if tool is None:
        return "skipped: pg_ctlcluster is not available on this machine"
    if host not in {"127.0.0.1", "localhost", "::1"}:
        return f"skipped: PostgreSQL is on {host}, not this machine's cluster"
    versions = sorted(os.listdir("/etc/postgresql")) if Path("/etc/postgresql").is_dir() else []
    if len(versions) != 1:
        return f"skipped: expected one cluster version in /etc/postgresql, found {versions}"
    started = time.monotonic()
    done = subprocess.run(
        [tool, "--skip-systemctl-redirect", versions[0], "main", "restart"],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    if done.returncode != 0:
        return f"skipped: pg_ctlcluster failed ({done.returncode}): {done.stderr.strip()[-300:]}"
    return f"restarted in {time.monotonic() - started:.1f} s"


def wait_postgres_ready(database_url: str, timeout: float = PG_READY_SECONDS) -> bool:
    """Until ``pg_isready`` says the server accepts connections again."""
    url = make_url(database_url)
    command = ["pg_isready", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if shutil.which("pg_isready") is None:
            return True  # nothing to ask; the engine's pre-ping copes
        if subprocess.run(command, capture_output=True, timeout=10, check=False).returncode == 0:
            return True
        time.sleep(0.5)
    return False


# --- the load ------------------------------------------------------------------------------


@dataclass
class Tally:
    """Every attempt's outcome, by logical request number ``n``."""

    stored: dict[int, str] = field(default_factory=dict)  # n -> trigger answered "Logged as"
    rejected: list[tuple[int, str]] = field(default_factory=list)  # answered "try again"
    unexpected: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def answered(self) -> int:
        with self.lock:
            return self.attempts


def trigger_of(n: int, attempt: int) -> str:
    return f"{n}.{attempt}.system"


def number_of(idempotency_key: str) -> int:
    """``command:TEAM:{n}.{attempt}.system`` → ``n``."""
    return int(idempotency_key.rsplit(":", 1)[1].split(".")[0])


def send_feedback(
    balancer: RoundRobin, slack: FakeSlackAPI, tally: Tally, n: int, attempt: int, due: float
) -> None:
    """One person's command, sent at ``due`` (a monotonic time), its answer tallied."""
    trigger = trigger_of(n, attempt)
    if (delay := due - time.monotonic()) > 0:
        time.sleep(delay)

    def build() -> SignedRequest:
        return slash_command(
            "/feedback",
            f"{ASKS[n % len(ASKS)]} (system {n})",
            user_id=f"U0LOAD{n % 60:04d}",
            trigger_id=trigger,
            response_url=slack.response_url(f"fb-{trigger}"),
        )

    try:
        answer: Answer | None = balancer.send(build)
    except (OSError, NoReplicaLeftError) as error:
        answer, problem = None, f"{trigger}: {type(error).__name__}: {error}"
    text = ""
    if answer is not None:
        try:
            text = str(json.loads(answer.body).get("text", ""))
        except ValueError:
            text = ""
        problem = f"{trigger}: {answer.status} {answer.body[:200]!r} from {answer.replica}"
    with tally.lock:
        tally.attempts += 1
        if answer is not None:
            tally.latencies.append(answer.seconds)
        if answer is not None and answer.status == 200 and text.startswith("Logged as"):
            tally.stored[n] = trigger
        elif answer is not None and answer.status == 200 and text == DATABASE_DOWN:
            tally.rejected.append((n, trigger))
        else:
            tally.unexpected.append(problem)


@dataclass
class Events:
    """What the scenario did to the replicas and the database, for the report."""

    killed: str = "not yet"
    killed_held_digest_lease: bool | None = None
    restart: str = "not yet"
    outage_window: tuple[int, int] | None = None  # answered counts around the restart


def digest_lease_holder_pid(engine: Engine) -> int | None:
    with engine.connect() as connection:
        holder = connection.scalar(select(Lease.holder).where(Lease.name == "digest"))
    if holder is None:
        return None
    return int(holder.rsplit(":", 1)[1])


def pick_victim(replicas: list[Replica], engine: Engine) -> tuple[Replica, bool]:
    """A replica whose worker does not hold the digest lease, so digests keep firing.

    The lease is kept until it expires (4 minutes), and the same worker renews it at each
    firing: killing its holder would stop digests for longer than this run.
    """
    holder = digest_lease_holder_pid(engine)
    for replica in reversed(replicas):
        if holder is None or not replica.owns_pid(holder):
            return replica, False
    return replicas[-1], True


def scenario(
    balancer: RoundRobin,
    replicas: list[Replica],
    engine: Engine,
    database_url: str,
    tally: Tally,
    events: Events,
    done: threading.Event,
) -> None:
    """Runs beside the load: kill a replica, then restart PostgreSQL, at set progress."""
    deadline = time.monotonic() + LOAD_SECONDS
    while tally.answered < KILL_AFTER:
        if done.is_set() or time.monotonic() > deadline:
            return
        time.sleep(0.05)
    victim, held = pick_victim(replicas, engine)
    # Kill it while it is handling a request, if one comes within a few seconds: that
    # request may be stored without an answer, and the balancer sends it again elsewhere.
    busy_by = time.monotonic() + KILL_BUSY_WAIT_SECONDS
    while balancer.in_flight(victim) == 0 and time.monotonic() < busy_by:
        time.sleep(0.001)
    in_flight = balancer.in_flight(victim)
    victim.kill()
    events.killed = (
        f"{victim.name} SIGKILLed after {tally.answered} answers, "
        f"{in_flight} request(s) in flight on it"
    )
    events.killed_held_digest_lease = held
    while tally.answered < RESTART_AFTER:
        if done.is_set() or time.monotonic() > deadline:
            return
        time.sleep(0.05)
    # Other test processes wait with their PostgreSQL tests until the server is back.
    with postgres_lock(exclusive=True):
        before = tally.answered
        events.restart = restart_postgres(database_url)
        events.outage_window = (before, tally.answered)
        wait_postgres_ready(database_url)


def run_load(
    balancer: RoundRobin,
    slack: FakeSlackAPI,
    tally: Tally,
    numbers: list[int],
    attempt: int,
    rate: float | None = None,
) -> None:
    """Send ``numbers`` from CLIENTS concurrent clients (at ``rate`` a second, if given).

    Bounded by LOAD_SECONDS: what is not sent by then is counted as unexpected.
    """
    start = time.monotonic()
    with ThreadPoolExecutor(CLIENTS, thread_name_prefix="client") as pool:
        futures = [
            pool.submit(
                send_feedback,
                *(balancer, slack, tally, n, attempt),
                start + index / rate if rate else start,
            )
            for index, n in enumerate(numbers)
        ]
        _, not_done = wait_for_futures(futures, timeout=LOAD_SECONDS)
        for future in not_done:
            future.cancel()
    if not_done:
        tally.unexpected.append(f"{len(not_done)} requests not sent within {LOAD_SECONDS} s")


def resend_rejected(
    balancer: RoundRobin, slack: FakeSlackAPI, tally: Tally, database_url: str
) -> int:
    """People told "try again in a minute" send the command again (a new trigger id)."""
    resent = 0
    for attempt in range(1, RESEND_ROUNDS + 1):
        with tally.lock:
            pending = sorted({n for n, _ in tally.rejected if n not in tally.stored})
        if not pending:
            break
        wait_postgres_ready(database_url)
        time.sleep(1)
        run_load(balancer, slack, tally, pending, attempt)
        resent += len(pending)
    return resent


# --- waiting for the jobs, then reading what happened -------------------------------------


def outbox_busy(engine: Engine) -> tuple[int, int]:
    """(outbox messages still pending, digest runs claimed but not posted)."""
    with engine.connect() as connection:
        pending = connection.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.PENDING)
        )
        unposted = connection.scalar(
            select(func.count(DigestRun.id)).where(DigestRun.posted_ts.is_(None))
        )
    return pending or 0, unposted or 0


def quiesce(engine: Engine, replicas: list[Replica]) -> str:
    """Wait for a moment when no digest is on its way, then return; bounded.

    That is: every live replica has finished (ran, skipped or failed) this minute's digest
    firing, the scheduler has run the digest at least once (a firing that meets the
    PostgreSQL restart fails and is not run again, so a later one is awaited), the outbox
    is drained, and the next firing is more than a few seconds away. Stopping the
    replicas then leaves nothing queued and not sent.
    """
    deadline = time.monotonic() + QUIESCE_SECONDS
    pending = unposted = ran = 0
    while time.monotonic() < deadline:
        now = datetime.now(UTC)
        if now.second < LAST_QUIET_SECOND:
            minute = now.replace(second=0, microsecond=0)
            live = [r for r in replicas if r.alive()]
            finished = all(job_records(r, "digest", since=minute) for r in live)
            pending, unposted = outbox_busy(engine)
            ran = job_outcomes(replicas, "digest")["ran"]
            if finished and ran and pending == 0 and unposted == 0:
                return "no digest on its way, outbox drained"
        time.sleep(0.5)
    return (
        f"gave up waiting: {pending} outbox messages pending, {unposted} digests unposted, "
        f"{ran} digest firings ran"
    )


def outbox_key(call: SlackCall) -> str:
    metadata = call.params.get("metadata")
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    if not isinstance(metadata, dict):
        return ""
    return str((metadata.get("event_payload") or {}).get("key") or "")


def job_records(replica: Replica, job: str, since: datetime | None = None) -> list[str]:
    """The outcomes (ran, skipped, failed) of a job's firings, from the replica's JSON log.

    One line per firing, written when it ends; ``since`` keeps the lines written since then.
    """
    outcomes = []
    for line in replica.log_path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("job") != job:
            continue
        if since is not None and datetime.fromisoformat(record["ts"]) < since:
            continue
        outcomes.append(str(record.get("outcome")))
    return outcomes


def job_outcomes(replicas: list[Replica], job: str) -> Counter[str]:
    """A job's firings in all the replicas, by outcome."""
    return Counter(outcome for replica in replicas for outcome in job_records(replica, job))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory without a .env, where the replicas run and log."""
    return tmp_path


@pytest.fixture
def postgres_back_up(empty_postgres_url: str) -> Iterator[str]:
    """Whatever happens in the test, PostgreSQL accepts connections when it ends."""
    yield empty_postgres_url
    assert wait_postgres_ready(empty_postgres_url), "PostgreSQL did not come back"


@pytest.mark.restarts_postgres
def test_replicas_store_post_and_dm_everything_once(postgres_back_up: str, workdir: Path) -> None:
    started_at = time.monotonic()
    database_url = postgres_back_up
    zone, hours = pulse_timing(datetime.now(UTC))
    replicas: list[Replica] = []
    engine = make_engine(database_url)
    tally, events = Tally(), Events()
    with FakeSlackAPI() as slack:
        for person in PEOPLE:
            slack.add_user(person, tz=zone)
        env = replica_env(
            database_url,
            slack.url,
            PULSEBOARD_DIGEST_CHANNEL=DIGEST_CHANNEL,
            PULSEBOARD_DIGEST_SCHEDULE="* * * * *",
            PULSEBOARD_PULSE_SCHEDULE="0 0 1 1 *",  # rounds start on demand here
            PULSEBOARD_PULSE_DAYS="mon-sun",
            PULSEBOARD_PULSE_HOURS=hours,
            PULSEBOARD_ADMINS=ADMIN,
        )
        upgrade_database(env, workdir)
        try:
            replicas = start_replicas(REPLICAS, env, workdir, workdir)
            balancer = RoundRobin(replicas)
            startup = time.monotonic() - started_at

            pulse = balancer.send(
                lambda: slash_command(
                    "/roadmap",
                    "pulse start",
                    user_id=ADMIN,
                    response_url=slack.response_url("pulse-start"),
                )
            )
            assert pulse.status == 200, pulse.body
            answer = slack.wait_for(
                "response_url", timeout=30, where=lambda c: c.path.endswith("/pulse-start")
            )[0]
            assert "Pulse round started" in json.dumps(answer.params), answer.params

            load_started, load_from = time.monotonic(), datetime.now(UTC)
            done = threading.Event()
            controller = threading.Thread(
                target=scenario,
                args=(balancer, replicas, engine, database_url, tally, events, done),
                name="scenario",
            )
            controller.start()
            try:
                run_load(balancer, slack, tally, list(range(REQUESTS)), 0, REQUESTS_PER_SECOND)
            finally:
                done.set()
                controller.join(timeout=120)
            load_seconds, load_until = time.monotonic() - load_started, datetime.now(UTC)
            first_attempts = tally.answered
            rejected_first = len(tally.rejected)
            assert wait_postgres_ready(database_url), "PostgreSQL did not come back"
            resent = resend_rejected(balancer, slack, tally, database_url)
            drained = quiesce(engine, replicas)
        finally:
            codes = {r.name: r.stop() for r in replicas if r.alive()}
            for replica in replicas:
                replica.ensure_gone()

        # --- what was stored, posted and sent ------------------------------------------
        with engine.connect() as connection:
            keys = list(connection.scalars(select(Request.idempotency_key)))
            runs = list(connection.execute(select(DigestRun.channel, DigestRun.period)))
            unposted_runs = connection.scalar(
                select(func.count(DigestRun.id)).where(DigestRun.posted_ts.is_(None))
            )
            invited = set(
                connection.scalars(
                    select(User.slack_id).join(PulseInvitation, PulseInvitation.user_id == User.id)
                )
            )
            outbox = Counter(
                str(status) for status in connection.scalars(select(OutboxMessage.status))
            )
        posts = slack.calls("chat.postMessage")
        digest_posts = Counter(
            outbox_key(c).split(":", 3)[-1]  # digest:{team}:{channel}:{period}
            for c in posts
            if c.params.get("channel") == DIGEST_CHANNEL
        )
        dm_posts = Counter(
            str(c.params.get("channel")) for c in posts if outbox_key(c).startswith("pulse:")
        )
        saved_triggers = set(tally.stored.values())
        misleading = sum(
            "cannot reach its database" in json.dumps(c.params)
            for c in slack.calls("response_url")
            if c.path.removeprefix("/response/fb-") in saved_triggers
        )
    engine.dispose()
    digest_jobs = job_outcomes(replicas, "digest")
    stored_per_request = Counter(number_of(key) for key in keys)
    rejected_triggers = {trigger for _, trigger in tally.rejected}
    run_seconds = time.monotonic() - started_at
    during_load = [
        period
        for period in digest_posts
        if load_from
        <= datetime.strptime(period, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
        <= load_until
    ]

    print(
        "\n=== three replicas, one PostgreSQL (issue 7) ===\n"
        f"replicas started in {startup:.1f} s; pulse DMs due by {hours} ({zone})\n"
        f"sent: {REQUESTS} requests ({first_attempts} first attempts + {resent} re-sent "
        f"after the outage) from {CLIENTS} clients at {REQUESTS_PER_SECOND}/s "
        f"in {load_seconds:.1f} s; "
        f"ack p50 {percentile(tally.latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(tally.latencies, 0.99) * 1000:.0f} ms\n"
        f"kill: {events.killed} (it held the digest lease: {events.killed_held_digest_lease})\n"
        f"postgres: {events.restart}, between answers {events.outage_window}\n"
        f"retried on another replica (connection errors): {balancer.retries}\n"
        f"answered 'try again in a minute' during the outage: {rejected_first} "
        f"(all attempts: {len(tally.rejected)})\n"
        f"stored: {len(keys)} rows, {len(set(keys))} idempotency keys, "
        f"{len(stored_per_request)} distinct requests, "
        f"duplicates {sum(c - 1 for c in stored_per_request.values())}\n"
        f"unexpected answers: {len(tally.unexpected)} {tally.unexpected[:5]}\n"
        f"'nothing was saved' follow-ups to requests that were saved: {misleading}\n"
        f"digests: {len(runs)} digest_runs, posts per period {dict(sorted(digest_posts.items()))}"
        f"; digest job firings {dict(digest_jobs)}; periods fired during the load "
        f"({load_from:%H:%M:%S}-{load_until:%H:%M:%S}): {during_load}\n"
        f"pulse DMs: {sum(dm_posts.values())} to {len(dm_posts)} people "
        f"(invited {len(invited)}), per person {sorted(set(dm_posts.values()))}\n"
        f"outbox: {dict(outbox)}; {drained}; replicas stopped with {codes}\n"
        f"run time {run_seconds:.0f} s"
    )

    assert not tally.unexpected, tally.unexpected[:10]
    # Every request stored exactly once, and nothing the app said it had not saved.
    assert len(keys) == len(set(keys)) == REQUESTS
    assert stored_per_request == Counter(range(REQUESTS))
    assert set(tally.stored) == set(range(REQUESTS))
    assert {f"command:{TEAM}:{t}" for t in tally.stored.values()} == set(keys)
    assert not rejected_triggers & {key.rsplit(":", 1)[1] for key in keys}
    assert balancer.retries >= 1, "the killed replica's requests should have been retried"
    # Each digest period posted once to the digest channel, one per digest_runs row.
    assert digest_jobs["ran"] >= 1, f"the scheduler never ran the digest: {digest_jobs}"
    assert {channel for channel, _ in runs} == {DIGEST_CHANNEL}
    assert unposted_runs == 0
    assert digest_posts == Counter(period for _, period in runs)
    # Each person got the pulse DM exactly once.
    assert invited == set(PEOPLE)
    assert dm_posts == Counter(PEOPLE)
    assert outbox.get(str(OutboxStatus.FAILED), 0) == 0
    assert outbox.get(str(OutboxStatus.PENDING), 0) == 0
