"""Closed sets of values stored as strings."""

from enum import StrEnum


class ThemeStatus(StrEnum):
    OPEN = "open"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    DECLINED = "declined"


class RequestSource(StrEnum):
    COMMAND = "command"
    SHORTCUT = "shortcut"
    HOME = "home"
    PULSE_COMMENT = "pulse_comment"
    IMPORT = "import"


class Effort(StrEnum):
    S = "S"
    M = "M"
    L = "L"
    XL = "XL"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class DigestRunStatus(StrEnum):
    CLAIMED = "claimed"
    POSTED = "posted"
    FAILED = "failed"
