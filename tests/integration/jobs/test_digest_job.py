"""The digest job with a frozen clock: once per (channel, period), catch-up, domains, trend."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import select

from bot.jobs.lease import JOB_LEASE_TTL, run_once_with_lease
from bot.jobs.outbox import Pace
from bot.jobs.scheduler import Jobs
from bot.runtime.settings import Settings
from bot.services.requests import NewRequest, log_request
from bot.services.themes.regroup import regroup
from storage.enums import RequestSource, ThemeStatus
from storage.models import DigestRun
from storage.repositories import (
    RequestRepository,
)
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_api import FakeSlackAPI
from tests.fixtures.databases import Database
from tests.integration.app.checks import all_text, valid_blocks

TEAM = "T0PULSE01"
CHANNEL = "C0ROADMAP1"
DOMAIN_CHANNEL = "C0CIDIGEST"
MONDAY_NINE_BERLIN = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
ASKS = [
    ("CI builds are slow, please add a build cache", "ci"),
    ("please add a build cache, our CI builds are slow", "ci"),
    ("one-click rollback of a bad deploy", "deploys"),
    ("one click rollback for a bad deploy please", "deploys"),
]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def seed(db: Database) -> None:
    with unit_of_work(db.sessions, TEAM) as uow:
        domains = uow.domains
        domains.add("ci", digest_channel=DOMAIN_CHANNEL)
        domains.add("deploys")
    for number, (text, domain) in enumerate(ASKS):
        with unit_of_work(db.sessions, TEAM) as uow:
            log_request(
                uow,
                NewRequest(
                    requester_slack_id=f"U0ASKER{number:03d}",
                    text=text,
                    source=RequestSource.COMMAND,
                    idempotency_key=f"seed:{number}",
                    domain=domain,
                    created_at=MONDAY_NINE_BERLIN - timedelta(days=3),
                ),
            )
    with unit_of_work(db.sessions, TEAM) as uow:
        regroup(uow)


def jobs_for(db: Database, slack: FakeSlackAPI, clock: Clock) -> Jobs:
    settings = Settings(
        digest_channel=CHANNEL,
        timezone="Europe/Berlin",
        digest_schedule="0 9 * * mon",
        database_url=db.url,
    )
    client = WebClient(token="xoxb-test", base_url=slack.url, timeout=5)
    return Jobs(
        settings,
        db.sessions,
        client,
        TEAM,
        clock=clock,
        pace=Pace(global_interval=0.0, channel_interval=0.0),
    )


def posts_to(slack: FakeSlackAPI, channel: str) -> list:
    return [c for c in slack.calls("chat.postMessage") if c.params.get("channel") == channel]


def drain(jobs: Jobs) -> None:
    while jobs.sender.drain_once().claimed:
        pass


def test_one_digest_per_channel_and_period_whatever_reruns_and_restarts(
    database: Database, slack: FakeSlackAPI
) -> None:
    seed(database)
    clock = Clock(MONDAY_NINE_BERLIN + timedelta(seconds=5))
    first = jobs_for(database, slack, clock)
    outcomes = first.run_digest()
    assert {(o.channel, o.queued) for o in outcomes} == {(CHANNEL, True), (DOMAIN_CHANNEL, True)}
    clock.now += timedelta(hours=3)
    restarted = jobs_for(database, slack, clock)
    assert all(not o.queued for o in restarted.catch_up())
    assert all(not o.queued for o in restarted.run_digest())
    drain(first)
    drain(restarted)
    assert len(posts_to(slack, CHANNEL)) == 1
    assert len(posts_to(slack, DOMAIN_CHANNEL)) == 1
    global_text = all_text(valid_blocks(posts_to(slack, CHANNEL)[0].param("blocks")))
    domain_text = all_text(valid_blocks(posts_to(slack, DOMAIN_CHANNEL)[0].param("blocks")))
    assert "rollback" in global_text
    assert "build cache" in domain_text
    assert "rollback" not in domain_text
    with database.sessions() as session:
        runs = session.scalars(select(DigestRun)).all()
        assert {r.period for r in runs} == {"2026-11-23T08:00Z"}
        assert all(r.posted_ts for r in runs)


def test_requests_are_regrouped_once_before_the_digest_keeping_pm_placements(
    database: Database, slack: FakeSlackAPI
) -> None:
    seed(database)
    with unit_of_work(database.sessions, TEAM) as uow:
        themes = uow.themes
        [rollback] = [t for t in themes.live() if "rollback" in t.label]
        pinned = themes.add("Build cache (kept apart by the PM)")
        [cache_request, *_] = uow.requests.in_theme(
            next(t.id for t in themes.live() if "cache" in t.label and t.id != pinned.id)
        )
        cache_request.theme_id = pinned.id
        cache_request.pinned_to_theme = True
        pinned_id, pinned_request = pinned.id, cache_request.id
    with unit_of_work(database.sessions, TEAM) as uow:
        log_request(
            uow,
            NewRequest(
                requester_slack_id="U0LATE0001",
                source=RequestSource.COMMAND,
                text="one click rollback of a bad deploy, please",
                idempotency_key="late",
            ),
        )
    jobs = jobs_for(database, slack, Clock(MONDAY_NINE_BERLIN + timedelta(minutes=1)))
    jobs.run_digest()
    jobs.run_digest()
    with database.sessions() as session:
        late = RequestRepository(session, TEAM).by_idempotency_key("late")
        assert late is not None
        assert late.theme_id == rollback.id
        kept = RequestRepository(session, TEAM).by_id(pinned_request)
        assert kept is not None
        assert kept.theme_id == pinned_id


def test_a_missed_firing_is_caught_up_once_within_the_grace_window(
    database: Database, slack: FakeSlackAPI
) -> None:
    seed(database)
    late = jobs_for(database, slack, Clock(MONDAY_NINE_BERLIN + timedelta(hours=5)))
    assert any(o.queued for o in late.catch_up())
    assert not any(o.queued for o in late.catch_up())
    too_late = jobs_for(database, slack, Clock(MONDAY_NINE_BERLIN + timedelta(days=7, hours=7)))
    assert too_late.catch_up() == []


def test_the_next_digest_shows_trends_against_the_last(
    database: Database, slack: FakeSlackAPI
) -> None:
    seed(database)
    clock = Clock(MONDAY_NINE_BERLIN + timedelta(minutes=1))
    jobs = jobs_for(database, slack, clock)
    jobs.run_digest()
    drain(jobs)
    first = all_text(posts_to(slack, CHANNEL)[0].param("blocks"))
    assert "new" in first
    with unit_of_work(database.sessions, TEAM) as uow:
        [trailing] = [t for t in uow.themes.live() if "rollback" in t.label]
        for number in range(6):
            voter = uow.users.get_or_create(f"U0FAN{number:05d}")
            uow.votes.add_once(voter.id, theme_id=trailing.id, at=clock.now + timedelta(days=1))
        uow.themes.change_status(
            trailing, ThemeStatus.PLANNED, "U0PM", "next sprint", at=clock.now + timedelta(days=1)
        )
    clock.now += timedelta(days=7)
    jobs.run_digest()
    drain(jobs)
    second = all_text(valid_blocks(posts_to(slack, CHANNEL)[1].param("blocks")))
    assert "▲1" in second
    assert "▼1" in second
    assert "Newly planned" in second


LEASE_HOLDER = """
import sys, time
from datetime import datetime
from bot.jobs.lease import JOB_LEASE_TTL, run_once_with_lease
from storage.db import make_engine, make_session_factory
sessions = make_session_factory(make_engine(sys.argv[1]))
firing_time = datetime.fromisoformat(sys.argv[2])

def hang() -> None:
    print("holding", flush=True)
    time.sleep(600)

run_once_with_lease(
    sessions, "digest", JOB_LEASE_TTL, hang, holder="doomed", clock=lambda: firing_time
)
"""


def test_a_replica_killed_holding_the_digest_lease_still_gets_the_digest_posted_once(
    database: Database, slack: FakeSlackAPI
) -> None:
    """The replica that won the firing's lease is SIGKILLed before queuing the digest; the
    survivor skips that firing (the lease is held), its catch-up posts the digest, once,
    and after the dead lease expires the next run of the job posts nothing more."""
    seed(database)
    firing = MONDAY_NINE_BERLIN + timedelta(seconds=1)
    doomed = subprocess.Popen(
        [sys.executable, "-c", LEASE_HOLDER, database.url, firing.isoformat()],
        cwd=Path(__file__).resolve().parents[3],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert doomed.stdout is not None
        assert doomed.stdout.readline().strip() == "holding"
    finally:
        doomed.kill()
        doomed.wait(timeout=10)
    clock = Clock(MONDAY_NINE_BERLIN + timedelta(seconds=5))
    survivor = jobs_for(database, slack, clock)
    assert not run_once_with_lease(
        database.sessions, "digest", JOB_LEASE_TTL, survivor.run_digest, clock=clock
    ), "the dead replica's lease is still held"
    clock.now += timedelta(minutes=10)
    assert run_once_with_lease(
        database.sessions, "digest_catch_up", JOB_LEASE_TTL, survivor.catch_up, clock=clock
    )
    drain(survivor)
    assert len(posts_to(slack, CHANNEL)) == 1
    clock.now += JOB_LEASE_TTL
    assert run_once_with_lease(
        database.sessions, "digest", JOB_LEASE_TTL, survivor.run_digest, clock=clock
    ), "the dead replica's lease has expired"
    drain(survivor)
    assert len(posts_to(slack, CHANNEL)) == 1
