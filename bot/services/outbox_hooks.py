"""What happens after a kind of outbox message reached Slack: one table, kind -> hook.

The sender runs the hook of a message's kind in the transaction that marks it sent, so
what the hook records and the message's "sent" stand or fall together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.services.digest_posting import DIGEST_KIND, record_posted
from bot.services.pulses.delivery import record_pulse_sent
from bot.services.pulses.rounds import PULSE_KIND
from storage.models import OutboxMessage
from storage.unit_of_work import UnitOfWork

AfterSent = Callable[[UnitOfWork, OutboxMessage, dict[str, Any]], None]

AFTER_SENT: dict[str, AfterSent] = {
    DIGEST_KIND: record_posted,
    PULSE_KIND: record_pulse_sent,
}
