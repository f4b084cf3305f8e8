"""The outbox: Slack messages stored first, sent later (and once) by the outbox sender.

A sender claims due messages for a while under a claim token of its own. The writes that
follow (start an attempt, record its outcome) are conditional updates naming the token:
a sender whose claim expired and was taken over by another changes nothing, and every
write is one statement, atomic on SQLite (which serialises writers) as on PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select

from storage.enums import OutboxStatus
from storage.models import OutboxMessage, utcnow
from storage.repositories.base import Repository, claim_rows, update_rows
from storage.types import UTCDateTime


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
    )


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

        Each claimed message gets a fresh ``claimed_by`` token; see :func:`claim_rows` for
        why this is safe on both databases.
        """
        return claim_rows(
            self.session,
            OutboxMessage,
            _due(now),
            (OutboxMessage.next_attempt_at, OutboxMessage.id),
            limit,
            now + hold,
            uuid.uuid4().hex,
        )

    def start_attempt(
        self, message_id: int, claimed_by: str, now: datetime, hold: timedelta
    ) -> OutboxMessage | None:
        """Renew the claim and count an attempt just before a send; None if the claim is lost.

        ``attempt_started_at`` keeps an earlier value: that attempt's fate is still
        unknown, and a check for it in Slack must look back to when it started. Counting
        the attempt here (not after it) makes a message that kills its sender every time
        run out of attempts too.
        """
        return self._update_claimed(
            message_id,
            claimed_by,
            claimed_until=now + hold,
            attempts=OutboxMessage.attempts + 1,
            attempt_started_at=func.coalesce(
                OutboxMessage.attempt_started_at, literal(now, UTCDateTime())
            ),
        )

    def record_sent(
        self, message_id: int, claimed_by: str, at: datetime, ts: str | None
    ) -> OutboxMessage | None:
        """The message is in Slack (with ``ts``); None if the claim is lost."""
        return self._update_claimed(
            message_id,
            claimed_by,
            status=OutboxStatus.SENT,
            sent_at=at,
            sent_ts=ts,
            last_error=None,
            attempt_started_at=None,
            **_unclaimed(),
        )

    def record_retry(
        self,
        message_id: int,
        claimed_by: str,
        at: datetime,
        error: str,
        *,
        doubt_since: datetime | None,
        refund_attempt: bool = False,
    ) -> OutboxMessage | None:
        """Try again at ``at``; None if the claim is lost.

        ``doubt_since``: when a send that may have reached Slack started (None when Slack
        surely has no copy). ``refund_attempt`` un-counts the attempt (a 429: Slack turned
        it away unseen).
        """
        values: dict[str, Any] = {
            "next_attempt_at": at,
            "last_error": error,
            "attempt_started_at": doubt_since,
            **_unclaimed(),
        }
        if refund_attempt:
            values["attempts"] = OutboxMessage.attempts - 1
        return self._update_claimed(message_id, claimed_by, **values)

    def record_failure(self, message_id: int, claimed_by: str, error: str) -> OutboxMessage | None:
        """Give up on the message for good; None if the claim is lost."""
        return self._update_claimed(
            message_id,
            claimed_by,
            status=OutboxStatus.FAILED,
            last_error=error,
            attempt_started_at=None,
            **_unclaimed(),
        )

    def release(self, message_id: int, claimed_by: str, at: datetime) -> bool:
        """Hand a claimed message back, untried, to be due again at ``at``."""
        return (
            self._update_claimed(message_id, claimed_by, next_attempt_at=at, **_unclaimed())
            is not None
        )

    def _update_claimed(
        self, message_id: int, token: str, /, **values: Any
    ) -> OutboxMessage | None:
        """Update a pending message only while ``token`` still holds its claim."""
        changed = update_rows(
            self.session,
            OutboxMessage,
            OutboxMessage.id == message_id,
            OutboxMessage.claimed_by == token,
            OutboxMessage.status == OutboxStatus.PENDING,
            **values,
        )
        if changed != 1:
            return None
        return self.session.get(OutboxMessage, message_id, populate_existing=True)


def _unclaimed() -> dict[str, Any]:
    return {"claimed_until": None, "claimed_by": None}
