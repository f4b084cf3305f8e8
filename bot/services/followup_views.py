"""What follow-up answers look like, for services and Block Kit builders alike."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FollowupView:
    followup_id: int
    theme_id: int
    theme_label: str
    answer: str
    comment: str | None
    request_id: int | None


@dataclass(frozen=True)
class FollowupSummary:
    """What requesters said after a theme shipped: counts and comments, never names."""

    yes: int
    partly: int
    no: int
    comments: tuple[str, ...]

    @property
    def answers(self) -> int:
        return self.yes + self.partly + self.no
