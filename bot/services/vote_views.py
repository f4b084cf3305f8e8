"""What a +1 did, for the vote service and its answer alike."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class VoteOutcome(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    OWN_REQUEST = "own_request"
    ALREADY_HANDLED = "already_handled"


@dataclass(frozen=True)
class VoteResult:
    outcome: VoteOutcome
    theme_id: int
    theme_label: str
    #: Who asked or gave +1, each person once: the count the digest and /roadmap show.
    backers: int
