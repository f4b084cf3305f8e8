"""The outbox: Slack messages stored first, then sent once each at Slack's pace.

``sender`` delivers them, ``policy`` says how to treat Slack's answers and limits, and
``metadata`` tags every post so that a message whose fate is unknown can be found again.
"""

from bot.jobs.outbox.metadata import outbox_metadata
from bot.jobs.outbox.policy import (
    ALLOWED_METHODS,
    LOOKBACK,
    METADATA_EVENT_TYPE,
    PERMANENT_ERRORS,
    Backoff,
    Pace,
    SlackCallFailedError,
    client_without_retries,
)
from bot.jobs.outbox.sender import DrainReport, OnSent, OutboxSender, interleave_channels

__all__ = [
    "ALLOWED_METHODS",
    "LOOKBACK",
    "METADATA_EVENT_TYPE",
    "PERMANENT_ERRORS",
    "Backoff",
    "DrainReport",
    "OnSent",
    "OutboxSender",
    "Pace",
    "SlackCallFailedError",
    "client_without_retries",
    "interleave_channels",
    "outbox_metadata",
]
