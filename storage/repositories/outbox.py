from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from storage.enums import OutboxStatus
from storage.models import OutboxMessage, utcnow
from storage.repositories.base import Repository


class OutboxRepository(Repository):
    def enqueue_once(
        self,
        dedupe_key: str,
        kind: str,
        channel: str,
        payload: dict[str, Any],
        not_before: datetime | None = None,
    ) -> tuple[OutboxMessage, bool]:
        """Store a message to send; the dedupe key makes a second enqueue a no-op."""
        message = OutboxMessage(
            workspace_id=self.workspace_id,
            dedupe_key=dedupe_key,
            kind=kind,
            channel=channel,
            payload=payload,
            next_attempt_at=not_before or utcnow(),
        )
        return self.insert_once(message, lambda: self.by_dedupe_key(dedupe_key))

    def by_dedupe_key(self, key: str) -> OutboxMessage | None:
        return self.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))

    def claim_due(self, limit: int, now: datetime, hold: timedelta) -> list[OutboxMessage]:
        """Claim up to ``limit`` due messages for ``hold``; other senders skip them.

        PostgreSQL skips rows another transaction has locked (SKIP LOCKED); SQLite
        serialises writers, so the claim itself is enough there.
        """
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        messages = list(self.session.scalars(query))
        for message in messages:
            message.claimed_until = now + hold
        self.session.flush()
        return messages

    def mark_sent(self, message: OutboxMessage, at: datetime) -> None:
        message.status = OutboxStatus.SENT
        message.sent_at = at
        message.claimed_until = None
        self.session.flush()

    def retry_later(self, message: OutboxMessage, at: datetime, error: str) -> None:
        message.attempts += 1
        message.next_attempt_at = at
        message.claimed_until = None
        message.last_error = error
        self.session.flush()

    def give_up(self, message: OutboxMessage, error: str) -> None:
        message.attempts += 1
        message.status = OutboxStatus.FAILED
        message.claimed_until = None
        message.last_error = error
        self.session.flush()

    def pending_count(self) -> int:
        return (
            self.session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status == OutboxStatus.PENDING
                )
            )
            or 0
        )
