"""The metadata every outbox post carries, so that it can be found in Slack again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.jobs.outbox.policy import METADATA_EVENT_TYPE


def outbox_metadata(dedupe_key: str) -> dict[str, Any]:
    """The Slack message metadata every outbox post carries, to be found again by key."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": dedupe_key}}


def slack_ts(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


def carries_key(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT_TYPE:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload.get("key") == key
