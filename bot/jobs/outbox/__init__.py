"""The outbox: Slack messages stored first, then sent once each at Slack's pace.

``sender`` delivers them, ``policy`` says how to treat Slack's answers and limits, and
``metadata`` tags every post so that a message whose fate is unknown can be found again.
"""

from bot.jobs.outbox.metadata import outbox_metadata
from bot.jobs.outbox.policy import METADATA_EVENT_TYPE, Backoff, Pace
from bot.jobs.outbox.sender import DrainReport, OutboxSender

__all__ = [
    "METADATA_EVENT_TYPE",
    "Backoff",
    "DrainReport",
    "OutboxSender",
    "Pace",
    "outbox_metadata",
]
