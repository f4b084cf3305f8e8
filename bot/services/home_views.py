"""What the App Home tab shows, for the home service and its builder alike."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.pulses.views import PulseResults
from bot.services.roadmap.views import RoadmapEntry


@dataclass(frozen=True)
class MyRequest:
    id: int
    title: str
    theme_label: str | None
    status: str
    withdrawn: bool
    theme_id: int | None = None


@dataclass(frozen=True)
class VotedTheme:
    theme_id: int
    label: str
    status: str


@dataclass(frozen=True)
class HomeView:
    my_requests: tuple[MyRequest, ...]
    more_requests: int
    voted: tuple[VotedTheme, ...]
    top: tuple[RoadmapEntry, ...]
    pulse: PulseResults | None = None
    #: The domains a person can pick (id, name), and theirs (None: not picked yet).
    domains: tuple[tuple[int, str], ...] = ()
    my_domain: int | None = None
