"""What the feature request form offers, and the similar asks shown after logging one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FormChoices:
    """What the modal offers: known domains and objectives, and what is preselected."""

    domains: Sequence[str] = ()
    default_domain: str | None = None
    objectives: Sequence[str] = ()


@dataclass(frozen=True)
class Suggestion:
    theme_id: int
    label: str
    requesters: int
    similarity: float
