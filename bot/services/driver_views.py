"""Drivers as the admin list, the driver modal and the pulse DM show them (shared with the
Block Kit builders)."""

from __future__ import annotations

from dataclasses import dataclass

SATISFACTION = "satisfaction"
IMPORTANCE = "importance"
KINDS = (SATISFACTION, IMPORTANCE)


@dataclass(frozen=True)
class DriverSummary:
    id: int
    key: str
    name: str
    description: str
    active: bool


@dataclass(frozen=True)
class DriverInput:
    """What the admin typed in the driver modal."""

    name: str
    description: str = ""
    retired: bool = False


@dataclass(frozen=True)
class DriverQuestion:
    """One driver asked in a person's pulse DM, with what they chose so far (None: not
    yet). ``ask_importance``: the once-a-quarter "how much does it matter to you"."""

    driver_id: int
    name: str
    description: str
    satisfaction: int | None = None
    ask_importance: bool = False
    importance: int | None = None
