"""Typed Slack messages for the outbox, and the one way services queue them.

The stored payload is ``{"method": ..., "args": {...}}`` plus any extra keys a hook reads
after the send (``digest_run_id``, ``pulse_round_id``); rows already stored keep that
format, and the sender (bot/jobs/outbox) reads only ``method`` and ``args``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.slack.blocks.elements import Block
from storage.models import OutboxMessage
from storage.repositories import OutboxRepository

POST_MESSAGE = "chat.postMessage"


@dataclass(frozen=True)
class SlackPost:
    """A chat.postMessage call."""

    channel: str
    text: str
    blocks: list[Block]
    unfurl_links: bool | None = None

    def payload(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The outbox row's payload; ``extra`` keys sit next to ``method`` and ``args``."""
        args: dict[str, Any] = {"channel": self.channel, "text": self.text, "blocks": self.blocks}
        if self.unfurl_links is not None:
            args["unfurl_links"] = self.unfurl_links
        return {"method": POST_MESSAGE, "args": args, **(extra or {})}


def queue(
    outbox: OutboxRepository,
    message: SlackPost,
    *,
    key: str,
    kind: str,
    not_before: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
) -> tuple[OutboxMessage, bool]:
    """Store ``message`` to send once; a second call with the same ``key`` is a no-op."""
    return outbox.enqueue_once(
        dedupe_key=key,
        kind=kind,
        channel=message.channel,
        payload=message.payload(extra),
        not_before=not_before,
    )
