"""What the outbox tests share: a clock to drive by hand, enqueuing, counting by key."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.jobs.outbox import METADATA_EVENT_TYPE
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.unit_of_work import unit_of_work
from tests.fakes.slack_api import FakeSlackAPI

WS = "T0PULSE01"


class FakeClock:
    """Time that moves only when told to (or when the sender sleeps).

    It starts a second ahead of the wall clock, so that messages enqueued at the real
    "now" are due at once; close enough to real time for the fake Slack's timestamps.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC) + timedelta(seconds=1)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def post_payload(
    channel: str, text: str = "Your request was planned", **args: Any
) -> dict[str, Any]:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    return {
        "method": "chat.postMessage",
        "args": {"channel": channel, "text": text, "blocks": blocks, **args},
    }


def enqueue(
    sessions: SessionFactory,
    key: str,
    channel: str,
    *,
    payload: dict[str, Any] | None = None,
    not_before: datetime | None = None,
    kind: str = "dm",
) -> bool:
    with unit_of_work(sessions, WS) as uow:
        _, created = uow.outbox.enqueue_once(
            key, kind, channel, payload or post_payload(channel), not_before=not_before
        )
    return created


def message(sessions: SessionFactory, key: str) -> OutboxMessage:
    with unit_of_work(sessions, WS) as uow:
        row = uow.outbox.by_dedupe_key(key)
        assert row is not None
        return row


def all_messages(sessions: SessionFactory) -> list[OutboxMessage]:
    with unit_of_work(sessions) as uow:
        return list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def pending(sessions: SessionFactory) -> int:
    with unit_of_work(sessions) as uow:
        return uow.queue_depths.outbox().waiting


def metadata_key(metadata: Any) -> str | None:
    if isinstance(metadata, dict) and metadata.get("event_type") == METADATA_EVENT_TYPE:
        payload = metadata.get("event_payload") or {}
        return payload.get("key")
    return None


def post_calls_per_key(slack: FakeSlackAPI) -> Counter[str | None]:
    """chat.postMessage calls the fake received, by the outbox key in their metadata."""
    return Counter(metadata_key(c.param("metadata")) for c in slack.calls("chat.postMessage"))


def stored_per_key(slack: FakeSlackAPI) -> Counter[str | None]:
    """Messages that are in a conversation of the fake, by outbox key."""
    return Counter(metadata_key(m.get("metadata")) for m in slack.workspace.all_posted())
