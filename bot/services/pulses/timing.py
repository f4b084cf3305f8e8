"""When a pulse DM goes out: a random moment inside the person's own working window.

Pure: a zone name, "now" and a random source in, an aware UTC datetime out. The window
is read in the person's Slack time zone (the workspace zone when Slack does not say),
so a developer in Berlin and one in San Francisco are both asked on a working Tuesday
morning of their own. Wall-clock times are turned into instants with ``zoneinfo``, which
keeps a 10:00–16:00 window at 10:00–16:00 local across a daylight-saving change.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Look this many local days ahead for the next window (covers a window of one weekday).
SEARCH_DAYS = 8


@dataclass(frozen=True)
class DeliveryWindow:
    """Weekdays (0 = Monday) and local hours in which a pulse may arrive."""

    weekdays: tuple[int, ...] = (1, 2, 3)
    start: time = time(10)
    end: time = time(16)


def zone_of(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """The person's zone, or the workspace's when Slack gave none or an unknown one."""
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def _instant(day: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of local wall time ``at`` on ``day`` (a gap time moves forward)."""
    local = datetime.combine(day.date(), at, tzinfo=zone)
    return local.astimezone(UTC)


def next_windows(
    now: datetime, zone: ZoneInfo, window: DeliveryWindow
) -> list[tuple[datetime, datetime]]:
    """The open parts of the coming windows as UTC (start, end) pairs, soonest first."""
    local_now = now.astimezone(zone)
    found: list[tuple[datetime, datetime]] = []
    for offset in range(SEARCH_DAYS):
        day = local_now + timedelta(days=offset)
        if day.weekday() not in window.weekdays:
            continue
        start = max(_instant(day, window.start, zone), now.astimezone(UTC))
        end = _instant(day, window.end, zone)
        if end > start:
            found.append((start, end))
    return found


def delivery_time(
    now: datetime,
    zone: ZoneInfo,
    window: DeliveryWindow,
    rng: random.Random,
    deadline: datetime | None = None,
) -> datetime | None:
    """A random instant in the first window that is still open, or None before ``deadline``.

    Uniform over what is left of that window, so people asked while the window is open are
    spread over the rest of it, not all at once.
    """
    for start, end in next_windows(now, zone, window):
        if deadline is not None and start >= deadline:
            return None
        if deadline is not None:
            end = min(end, deadline)
        seconds = (end - start).total_seconds()
        if seconds <= 0:
            continue
        return start + timedelta(seconds=rng.uniform(0, seconds))
    return None
