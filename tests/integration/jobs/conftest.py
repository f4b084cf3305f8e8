from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.jobs.outbox import Backoff, OutboxSender, Pace
from tests.fakes.slack_api import FakeSlackAPI
from tests.fixtures.databases import Database
from tests.integration.jobs.outbox_helpers import FakeClock

FAST = Pace(global_interval=0.0, channel_interval=0.0)


@pytest.fixture
def app_client(slack: FakeSlackAPI) -> WebClient:
    """A client like the app's (bot.slack.app.make_client), retry handlers included.

    The sender must bypass those handlers: they would hide 429s and repeat posts.
    """
    client = WebClient(token="xoxb-test-token", base_url=slack.url, timeout=5)
    client.retry_handlers.extend(
        [RateLimitErrorRetryHandler(max_retry_count=2), ServerErrorRetryHandler(max_retry_count=2)]
    )
    return client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_sender(
    database: Database, app_client: WebClient, clock: FakeClock
) -> Callable[..., OutboxSender]:
    """A sender on the test's database and clock, fast paced, with a fixed jitter."""

    def make(**overrides: Any) -> OutboxSender:
        options: dict[str, Any] = {
            "clock": clock,
            "sleep": clock.sleep,
            "pace": FAST,
            "backoff": Backoff(base=2.0, cap=60.0),
            "jitter": lambda: 1.0,
            "hold": timedelta(minutes=2),
        }
        return OutboxSender(database.sessions, app_client, **(options | overrides))

    return make
