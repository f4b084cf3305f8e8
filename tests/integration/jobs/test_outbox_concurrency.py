"""Two senders draining one outbox at the same time send every message exactly once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from slack_sdk import WebClient

from bot.jobs.outbox import DrainReport, OutboxSender, Pace
from storage.db import make_engine, make_session_factory
from tests.fakes.slack_api import FakeSlackAPI
from tests.fixtures.databases import Database
from tests.integration.jobs.outbox_helpers import (
    enqueue,
    pending,
    post_calls_per_key,
    stored_per_key,
)

MESSAGES = 40
CHANNELS = ["U0ALICE01", "U0BOB0001", "U0CAROL01", "U0DAVE001", "C0DIGEST1", "C0DIGEST2"]


def drain_until_empty(
    database: Database, slack: FakeSlackAPI, start: threading.Barrier, reports: list[DrainReport]
) -> None:
    """One replica: an engine, sessions and a Web API client of its own."""
    engine = make_engine(database.url)
    sessions = make_session_factory(engine)
    client = WebClient(token="xoxb-test-token", base_url=slack.url, timeout=5)
    sender = OutboxSender(
        sessions, client, batch=3, hold=timedelta(seconds=30), pace=Pace(0.0, 0.0)
    )
    start.wait()
    deadline = time.monotonic() + 20
    try:
        while pending(sessions) and time.monotonic() < deadline:
            report = sender.drain_once()
            reports.append(report)
            if report.claimed == 0:
                time.sleep(0.01)
    finally:
        engine.dispose()


def test_two_senders_at_once_send_every_message_exactly_once(
    database: Database, slack: FakeSlackAPI
) -> None:
    keys = [f"status:{n}:{CHANNELS[n % len(CHANNELS)]}" for n in range(MESSAGES)]
    for n, key in enumerate(keys):
        enqueue(database.sessions, key, CHANNELS[n % len(CHANNELS)])
    slack.fail_next("chat.postMessage", delay=0.01, times=MESSAGES)  # let the drains overlap
    start = threading.Barrier(2)
    reports: list[list[DrainReport]] = [[], []]
    senders = [
        threading.Thread(target=drain_until_empty, args=(database, slack, start, reports[i]))
        for i in range(2)
    ]

    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=30)

    assert pending(database.sessions) == 0
    assert post_calls_per_key(slack) == dict.fromkeys(keys, 1)
    assert stored_per_key(slack) == dict.fromkeys(keys, 1)
    sent_by_each = [sum(r.sent for r in mine) for mine in reports]
    assert sum(sent_by_each) == MESSAGES
    assert all(n > 0 for n in sent_by_each), sent_by_each  # both really took part
    assert all(r.lost == 0 and r.failed == 0 for mine in reports for r in mine)
