"""The outbox sender against the fake Slack Web API, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.jobs.outbox import OutboxSender, Pace, outbox_metadata
from storage.enums import OutboxStatus
from storage.models import OutboxMessage, utcnow
from storage.unit_of_work import UnitOfWork, unit_of_work
from tests.fakes.slack_api import FakeSlackAPI
from tests.fixtures.databases import Database
from tests.integration.jobs.outbox_helpers import (
    WS,
    FakeClock,
    enqueue,
    message,
    pending,
    post_calls_per_key,
    post_payload,
    stored_per_key,
)

MakeSender = Callable[..., OutboxSender]
ALICE, BOB = "U0ALICE01", "U0BOB0001"


def simulate_crashed_attempt(db: Database, clock: FakeClock, hold: timedelta) -> OutboxMessage:
    """What a sender that died mid-send leaves behind: a claim with an attempt started."""
    with unit_of_work(db.sessions, WS) as uow:
        outbox = uow.outbox
        [claimed] = outbox.claim_due(10, clock(), hold)
        started = outbox.start_attempt(claimed.id, claimed.claimed_by or "", clock(), hold)
        assert started is not None
        return started


# --- sending, dedupe, due times ----------------------------------------------------------


def test_sends_due_messages_once_with_their_metadata(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender
) -> None:
    enqueue(database.sessions, "status:1:U0ALICE01", ALICE)
    enqueue(database.sessions, "digest:C0DIGEST1:2026-W48", "C0DIGEST1", kind="digest")

    report = make_sender().drain_once()

    assert (report.claimed, report.sent, report.failed) == (2, 2, 0)
    assert post_calls_per_key(slack) == {"status:1:U0ALICE01": 1, "digest:C0DIGEST1:2026-W48": 1}
    [dm] = slack.workspace.posted(ALICE)
    assert dm["metadata"] == outbox_metadata("status:1:U0ALICE01")
    assert slack.workspace.posted("C0DIGEST1")[0]["text"] == "Your request was planned"
    row = message(database.sessions, "status:1:U0ALICE01")
    assert row.status == OutboxStatus.SENT
    assert row.sent_ts == dm["ts"]
    assert (row.claimed_by, row.attempt_started_at, row.attempts) == (None, None, 1)
    assert make_sender().drain_once().claimed == 0
    assert len(slack.calls("chat.postMessage")) == 2


def test_a_message_not_yet_due_waits(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender, clock: FakeClock
) -> None:
    enqueue(database.sessions, "pulse:7:U0BOB0001", BOB, not_before=clock() + timedelta(hours=1))
    sender = make_sender()

    assert sender.drain_once().claimed == 0
    clock.advance(3599)
    assert sender.drain_once().claimed == 0
    assert slack.calls("chat.postMessage") == []

    clock.advance(1)
    assert sender.drain_once().sent == 1
    assert post_calls_per_key(slack) == {"pulse:7:U0BOB0001": 1}


def test_a_second_enqueue_of_a_key_is_a_no_op(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender
) -> None:
    assert enqueue(database.sessions, "status:3:U0ALICE01", ALICE) is True
    assert enqueue(database.sessions, "status:3:U0ALICE01", ALICE) is False

    make_sender().drain_once()
    assert enqueue(database.sessions, "status:3:U0ALICE01", ALICE) is False
    make_sender().drain_once()

    assert post_calls_per_key(slack) == {"status:3:U0ALICE01": 1}


def test_a_method_outside_the_whitelist_fails_without_a_call(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender
) -> None:
    payload = {"method": "chat.delete", "args": {"channel": "C1", "ts": "1.2"}}
    enqueue(database.sessions, "odd", "C1", payload=payload)

    assert make_sender().drain_once().failed == 1

    assert slack.calls() == []
    assert "method_not_allowed" in (message(database.sessions, "odd").last_error or "")


def test_chat_update_is_sent_without_metadata(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender
) -> None:
    payload = {"method": "chat.update", "args": {"channel": "C1", "ts": "1.2", "text": "edited"}}
    enqueue(database.sessions, "update:1", "C1", payload=payload)

    assert make_sender().drain_once().sent == 1

    assert slack.last("chat.update").params == {"channel": "C1", "ts": "1.2", "text": "edited"}


# --- after_sent ----------------------------------------------------------------------------


def test_the_after_sent_hook_runs_in_the_transaction_that_marks_the_message_sent(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender
) -> None:
    seen: list[tuple[str, OutboxStatus, str | None, str]] = []

    def on_sent(uow: UnitOfWork, sent: OutboxMessage, response: dict[str, Any]) -> None:
        assert uow.session.in_transaction()
        seen.append((sent.dedupe_key, sent.status, sent.sent_ts, response["ts"]))

    enqueue(database.sessions, "digest:C0DIGEST1:2026-W48", "C0DIGEST1")
    make_sender(after_sent={"dm": on_sent}).drain_once()

    [posted] = slack.workspace.posted("C0DIGEST1")
    assert seen == [("digest:C0DIGEST1:2026-W48", OutboxStatus.SENT, posted["ts"], posted["ts"])]


def test_a_failing_after_sent_hook_keeps_the_message_and_it_is_not_posted_twice(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender, clock: FakeClock
) -> None:
    stored: list[str] = []

    def flaky(uow: UnitOfWork, sent: OutboxMessage, response: dict[str, Any]) -> None:
        if not stored:
            stored.append("boom")
            raise RuntimeError("digest table locked")
        stored.append(response["ts"])

    enqueue(database.sessions, "digest:C0DIGEST1:2026-W48", "C0DIGEST1")
    sender = make_sender(after_sent={"dm": flaky})

    assert sender.drain_once().retried == 1
    row = message(database.sessions, "digest:C0DIGEST1:2026-W48")
    assert row.status == OutboxStatus.PENDING
    assert row.attempt_started_at is not None
    clock.advance(60)
    assert sender.drain_once().skipped_as_already_sent == 1

    [posted] = slack.workspace.posted("C0DIGEST1")
    assert stored == ["boom", posted["ts"]]
    assert post_calls_per_key(slack) == {"digest:C0DIGEST1:2026-W48": 1}
    assert message(database.sessions, "digest:C0DIGEST1:2026-W48").sent_ts == posted["ts"]


# --- failures ------------------------------------------------------------------------------


def test_a_429_is_retried_after_retry_after_and_pauses_the_method(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender, clock: FakeClock
) -> None:
    for n in range(3):
        enqueue(database.sessions, f"k{n}", f"C0CHAN000{n}")
    slack.fail_next("chat.postMessage", status=429, retry_after=2)
    sender = make_sender()

    report = sender.drain_once()

    # The app client's RateLimitErrorRetryHandler did not retry behind our back.
    assert len(slack.calls("chat.postMessage")) == 1
    assert (report.retried, report.postponed, report.sent) == (1, 2, 0)
    for n in range(3):
        row = message(database.sessions, f"k{n}")
        assert row.next_attempt_at == clock() + timedelta(seconds=2)
        assert row.claimed_by is None
    assert message(database.sessions, "k0").last_error == "chat.postMessage: ratelimited"
    clock.advance(1.9)
    assert sender.drain_once().claimed == 0

    clock.advance(0.1)
    assert sender.drain_once().sent == 3
    assert post_calls_per_key(slack) == {"k0": 2, "k1": 1, "k2": 1}
    assert stored_per_key(slack) == {"k0": 1, "k1": 1, "k2": 1}
    assert message(database.sessions, "k0").attempts == 1  # the 429 was not counted


def test_server_errors_are_retried_with_backoff_then_sent_once(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender, clock: FakeClock
) -> None:
    enqueue(database.sessions, "status:9:U0ALICE01", ALICE)
    slack.fail_next("chat.postMessage", status=500, times=2)
    sender = make_sender()

    assert sender.drain_once().retried == 1
    first_retry = message(database.sessions, "status:9:U0ALICE01").next_attempt_at
    assert first_retry == clock() + timedelta(seconds=2)
    clock.advance(2)
    assert sender.drain_once().retried == 1
    second_retry = message(database.sessions, "status:9:U0ALICE01").next_attempt_at
    assert second_retry == clock() + timedelta(seconds=4)  # exponential
    clock.advance(4)
    assert sender.drain_once().sent == 1

    assert post_calls_per_key(slack) == {"status:9:U0ALICE01": 3}
    assert stored_per_key(slack) == {"status:9:U0ALICE01": 1}
    # A 5xx may hide a post that went through: each retry looked in the DM first.
    history = slack.calls("conversations.history")
    assert [c.params["channel"] for c in history] == ["D0ALICE01", "D0ALICE01"]
    assert message(database.sessions, "status:9:U0ALICE01").attempts == 3


def test_a_permanent_error_fails_the_message_for_good(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender, clock: FakeClock
) -> None:
    enqueue(database.sessions, "digest:C0GONE:2026-W48", "C0GONE")
    slack.fail_next("chat.postMessage", error="channel_not_found")
    sender = make_sender()

    assert sender.drain_once().failed == 1
    clock.advance(86_400)
    assert sender.drain_once().claimed == 0

    row = message(database.sessions, "digest:C0GONE:2026-W48")
    assert (row.status, row.last_error) == (
        OutboxStatus.FAILED,
        "chat.postMessage: channel_not_found",
    )
    assert len(slack.calls("chat.postMessage")) == 1


def test_max_attempts_is_respected(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender, clock: FakeClock
) -> None:
    enqueue(database.sessions, "status:4:U0BOB0001", BOB)
    slack.fail_next("chat.postMessage", status=503, times=10)
    sender = make_sender(max_attempts=3)

    reports = []
    for _ in range(5):
        reports.append(sender.drain_once())
        clock.advance(3600)

    assert [(r.retried, r.failed) for r in reports[:3]] == [(1, 0), (1, 0), (0, 1)]
    assert all(r.claimed == 0 for r in reports[3:])
    assert len(slack.calls("chat.postMessage")) == 3
    row = message(database.sessions, "status:4:U0BOB0001")
    assert row.status == OutboxStatus.FAILED
    assert "gave up after 3 attempts" in (row.last_error or "")


# --- exactly once across a crash (in process) ----------------------------------------------


def test_a_message_already_in_slack_is_recorded_not_posted_again(
    database: Database,
    slack: FakeSlackAPI,
    make_sender: MakeSender,
    clock: FakeClock,
    app_client: WebClient,
) -> None:
    enqueue(database.sessions, "status:5:U0ALICE01", ALICE)
    simulate_crashed_attempt(database, clock, hold=timedelta(minutes=2))
    # The dead sender's post had reached Slack.
    posted = app_client.chat_postMessage(
        channel=ALICE, text="planned", metadata=outbox_metadata("status:5:U0ALICE01")
    )
    sender = make_sender()
    seen: list[dict[str, Any]] = []
    recovering = make_sender(after_sent={"dm": lambda _s, _m, response: seen.append(response)})

    assert sender.drain_once().claimed == 0  # the dead sender's claim still holds
    clock.advance(120)
    report = recovering.drain_once()

    assert (report.skipped_as_already_sent, report.sent) == (1, 0)
    assert post_calls_per_key(slack) == {"status:5:U0ALICE01": 1}
    assert slack.last("conversations.open").params["users"] == ALICE
    history = slack.last("conversations.history").params
    assert history["channel"] == "D0ALICE01"
    assert history["include_all_metadata"] in ("true", "1")
    row = message(database.sessions, "status:5:U0ALICE01")
    assert (row.status, row.sent_ts) == (OutboxStatus.SENT, posted["ts"])
    assert seen[0]["ts"] == posted["ts"]
    assert seen[0]["channel"] == "D0ALICE01"


def test_an_attempt_that_never_reached_slack_is_posted_after_the_check(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender, clock: FakeClock
) -> None:
    enqueue(database.sessions, "digest:C0DIGEST1:2026-W48", "C0DIGEST1")
    simulate_crashed_attempt(database, clock, hold=timedelta(minutes=2))
    clock.advance(120)

    assert make_sender().drain_once().sent == 1

    assert len(slack.calls("conversations.history")) == 1
    assert slack.calls("conversations.open") == []  # a channel needs no DM opened
    assert stored_per_key(slack) == {"digest:C0DIGEST1:2026-W48": 1}


def test_a_post_that_timed_out_but_landed_is_not_posted_again(
    database: Database, slack: FakeSlackAPI, clock: FakeClock
) -> None:
    impatient = WebClient(token="xoxb-test-token", base_url=slack.url, timeout=1)
    enqueue(database.sessions, "pulse:2:U0BOB0001", BOB)
    slack.fail_next("chat.postMessage", delay=1.5)  # answers, and posts, after the timeout
    sender = OutboxSender(
        database.sessions, impatient, clock=clock, sleep=clock.sleep, pace=Pace(0, 0)
    )

    assert sender.drain_once().retried == 1
    assert "Timeout" in (message(database.sessions, "pulse:2:U0BOB0001").last_error or "")
    deadline = time.monotonic() + 5
    while not stored_per_key(slack) and time.monotonic() < deadline:
        time.sleep(0.05)
    clock.advance(3600)
    assert sender.drain_once().skipped_as_already_sent == 1

    assert post_calls_per_key(slack) == {"pulse:2:U0BOB0001": 1}
    assert stored_per_key(slack) == {"pulse:2:U0BOB0001": 1}


def test_a_thread_reply_in_doubt_is_looked_for_in_its_thread(
    database: Database,
    slack: FakeSlackAPI,
    make_sender: MakeSender,
    clock: FakeClock,
    app_client: WebClient,
) -> None:
    parent = app_client.chat_postMessage(channel="C0DIGEST1", text="Digest")
    payload = post_payload("C0DIGEST1", "details", thread_ts=parent["ts"])
    enqueue(database.sessions, "digest-thread:1", "C0DIGEST1", payload=payload)
    simulate_crashed_attempt(database, clock, hold=timedelta(seconds=30))
    app_client.chat_postMessage(
        channel="C0DIGEST1",
        text="details",
        thread_ts=parent["ts"],
        metadata=outbox_metadata("digest-thread:1"),
    )
    clock.advance(30)

    assert make_sender().drain_once().skipped_as_already_sent == 1

    assert slack.last("conversations.replies").params["ts"] == parent["ts"]
    assert post_calls_per_key(slack)["digest-thread:1"] == 1


# --- pacing, logs, the loop -----------------------------------------------------------------


def test_posts_to_one_channel_are_paced_and_other_channels_go_between(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender, clock: FakeClock
) -> None:
    enqueue(database.sessions, "a1", "C0AAAAAA1")
    enqueue(database.sessions, "a2", "C0AAAAAA1")
    enqueue(database.sessions, "b1", "C0BBBBBB1")

    make_sender(pace=Pace(global_interval=0.0, channel_interval=1.0)).drain_once()

    channels = [c.params["channel"] for c in slack.calls("chat.postMessage")]
    assert channels == ["C0AAAAAA1", "C0BBBBBB1", "C0AAAAAA1"]
    assert clock.slept == [pytest.approx(1.0)]


def test_a_global_pace_spaces_every_post(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender, clock: FakeClock
) -> None:
    for n in range(3):
        enqueue(database.sessions, f"g{n}", f"C0CHAN000{n}")

    assert make_sender(pace=Pace(global_interval=0.5, channel_interval=0.0)).drain_once().sent == 3

    assert clock.slept == [pytest.approx(0.5), pytest.approx(0.5)]


def test_logs_one_line_per_outcome_without_text_or_token(
    database: Database,
    slack: FakeSlackAPI,
    make_sender: MakeSender,
    caplog: pytest.LogCaptureFixture,
) -> None:
    enqueue(database.sessions, "ok", "C0AAAAAA1", payload=post_payload("C0AAAAAA1", "top secret"))
    enqueue(database.sessions, "bad", "C0BBBBBB1", payload=post_payload("C0BBBBBB1", "top secret"))
    slack.fail_next("chat.postMessage", error="is_archived")
    caplog.set_level(logging.INFO, logger="bot.jobs.outbox.sender")

    make_sender().drain_once()

    lines = [r.getMessage() for r in caplog.records if r.name == "bot.jobs.outbox.sender"]
    assert len(lines) == 2
    assert any(line.startswith("outbox failed: ") and "is_archived" in line for line in lines)
    assert any(line.startswith("outbox sent: ") for line in lines)
    assert not any("top secret" in line or "xoxb" in line for line in lines)


def test_run_forever_sends_what_arrives_and_stops_when_asked(
    database: Database, slack: FakeSlackAPI, make_sender: MakeSender
) -> None:
    sender = make_sender(clock=utcnow, sleep=time.sleep)
    stop = threading.Event()
    worker = threading.Thread(target=sender.run_forever, args=(stop, 0.05), daemon=True)
    worker.start()
    try:
        enqueue(database.sessions, "late:1", ALICE)
        enqueue(database.sessions, "late:2", BOB)
        slack.wait_for("chat.postMessage", count=2)
    finally:
        stop.set()
        worker.join(timeout=2)

    assert not worker.is_alive()
    deadline = time.monotonic() + 2
    while pending(database.sessions) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pending(database.sessions) == 0
    assert post_calls_per_key(slack) == {"late:1": 1, "late:2": 1}
