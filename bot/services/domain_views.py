"""Domains as the admin modal, the list and App Home show them (shared with the builders)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DomainSummary:
    id: int
    name: str
    description: str
    owner: str | None
    digest_channel: str | None
    retired: bool


@dataclass(frozen=True)
class DomainInput:
    """What the admin typed in the domain modal."""

    name: str
    description: str = ""
    owner: str | None = None
    digest_channel: str | None = None
    retired: bool = False
