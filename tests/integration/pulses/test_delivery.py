"""Pulse DMs through the outbox: once per person and round, at Slack's pace, reminders
only to people who have not answered, closing, and late answers."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.jobs.outbox import OutboxSender, Pace
from bot.services.outbox_hooks import AFTER_SENT
from bot.services.pulses import rounds as pulses
from bot.services.pulses.delivery import close_rounds, remind
from storage.db import make_engine, make_session_factory
from storage.enums import OutboxStatus
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_api import FakeSlackAPI
from tests.fixtures.databases import Database
from tests.integration.jobs.outbox_helpers import (
    FakeClock,
    pending,
    post_calls_per_key,
    stored_per_key,
)
from tests.integration.pulses.helpers import (
    CONFIG,
    MONDAY,
    WS,
    invitations,
    people,
    pulse_messages,
    start,
)


def drain(
    database: Database, slack: FakeSlackAPI, barrier: threading.Barrier, sent: list[int]
) -> None:
    """One replica: its own engine and client."""
    engine = make_engine(database.url)
    sessions = make_session_factory(engine)
    client = WebClient(token="xoxb-test-token", base_url=slack.url, timeout=5)
    sender = OutboxSender(
        sessions,
        client,
        batch=4,
        hold=timedelta(seconds=30),
        pace=Pace(0.0, 0.0),
        after_sent=AFTER_SENT,
    )
    barrier.wait()
    deadline = time.monotonic() + 20
    try:
        while pending(sessions) and time.monotonic() < deadline:
            report = sender.drain_once()
            sent.append(report.sent)
            if report.claimed == 0:
                time.sleep(0.01)
    finally:
        engine.dispose()


def test_two_workers_send_one_dm_per_person_even_when_the_round_is_started_twice(
    database: Database, slack: FakeSlackAPI
) -> None:
    count = 30
    first = start(database, who=people(count), key="schedule:X", deliver_now=True)
    again = start(database, who=people(count), key="schedule:X", deliver_now=True)  # a replica
    assert first.created
    assert not again.created
    slack.fail_next("chat.postMessage", delay=0.01, times=count)  # let the drains overlap
    barrier = threading.Barrier(2)
    sent: list[list[int]] = [[], []]
    workers = [
        threading.Thread(target=drain, args=(database, slack, barrier, sent[i])) for i in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    keys = [f"pulse:{first.round_id}:U{n:08d}" for n in range(1, count + 1)]
    assert post_calls_per_key(slack) == dict.fromkeys(keys, 1)
    per_channel = Counter(c.param("channel") for c in slack.calls("chat.postMessage"))
    assert set(per_channel.values()) == {1}
    assert all(sum(s) > 0 for s in sent), sent  # both workers took part
    assert all(i.sent_at is not None for i in invitations(database))


def test_429_retry_after_is_honoured(database: Database, slack: FakeSlackAPI) -> None:
    started = start(database, who=people(3), key="k", deliver_now=True)
    clock = FakeClock(MONDAY + timedelta(seconds=1))
    client = WebClient(token="xoxb-test-token", base_url=slack.url, timeout=5)
    sender = OutboxSender(
        database.sessions, client, clock=clock, sleep=clock.sleep, pace=Pace(0.0, 0.0)
    )
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    first = sender.drain_once()
    assert (first.sent, first.retried, first.postponed) == (0, 1, 2)
    assert sender.drain_once().claimed == 0  # nothing is due before Retry-After
    clock.advance(6.9)
    assert sender.drain_once().claimed == 0
    clock.advance(0.2)
    assert sender.drain_once().sent == 3
    keys = [f"pulse:{started.round_id}:U{n:08d}" for n in range(1, 4)]
    assert sum(post_calls_per_key(slack).values()) == 4  # the refused one, then three
    assert stored_per_key(slack) == dict.fromkeys(keys, 1)


def answer(
    database: Database, round_id: int, slack_id: str, score: int, at: datetime = MONDAY
) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        pulses.record_score(uow, round_id, slack_id, score, at)


def test_reminders_go_once_and_only_to_people_who_have_not_answered(database: Database) -> None:
    started = start(database, who=people(4), key="k", deliver_now=True)
    assert started.round_id is not None
    answer(database, started.round_id, "U00000001", 4, MONDAY + timedelta(hours=1))
    with unit_of_work(database.sessions, WS) as uow:
        uow.users.by_slack_id("U00000004").pulse_opt_out = True  # type: ignore[union-attr]
    rng = random.Random(3)
    with unit_of_work(database.sessions, WS) as uow:
        assert remind(uow, CONFIG, MONDAY + timedelta(days=1), rng) == 0  # too early
    later = MONDAY + timedelta(days=2, minutes=1)
    with unit_of_work(database.sessions, WS) as uow:
        assert remind(uow, CONFIG, later, rng) == 2
    with unit_of_work(database.sessions, WS) as uow:  # a second replica, or the next check
        assert remind(uow, CONFIG, later + timedelta(minutes=5), rng) == 0
    reminders = [m for m in pulse_messages(database) if m.kind == "pulse_reminder"]
    assert sorted(m.channel for m in reminders) == ["U00000002", "U00000003"]
    assert all("reminder" in str(m.payload["args"]["blocks"]) for m in reminders)


def test_closing_drops_unsent_dms_and_late_answers_are_refused(database: Database) -> None:
    started = start(database, who=people(2), key="k")  # scheduled in Tue–Thu windows
    assert started.round_id is not None
    answer(database, started.round_id, "U00000001", 5)
    closes = MONDAY + CONFIG.open_for
    with unit_of_work(database.sessions, WS) as uow:
        assert close_rounds(uow, closes) == [started.round_id]
    with unit_of_work(database.sessions, WS) as uow:
        assert close_rounds(uow, closes) == []  # once
    assert {m.status for m in pulse_messages(database)} == {OutboxStatus.FAILED}
    with pytest.raises(pulses.RoundClosedError):
        answer(database, started.round_id, "U00000001", 2, closes + timedelta(minutes=1))
    with pytest.raises(pulses.RoundClosedError):  # closes_at decides even before the job
        answer(database, started.round_id, "U00000002", 2, closes)


def test_answers_change_until_close_and_strangers_cannot_answer(database: Database) -> None:
    started = start(database, who=people(2), key="k", deliver_now=True)
    assert started.round_id is not None
    answer(database, started.round_id, "U00000001", 2)
    with unit_of_work(database.sessions, WS) as uow:
        pulses.record_enps(uow, started.round_id, "U00000001", 9, MONDAY)
        view = pulses.record_score(uow, started.round_id, "U00000001", 4, MONDAY)
    assert (view.score, view.enps) == (4, 9)
    with pytest.raises(pulses.NotAllowedError):
        answer(database, started.round_id, "U09999999", 3)
