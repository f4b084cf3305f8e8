"""Cron schedules in the team's time zone, and which firing a moment belongs to.

The latest firing at or before now names the period that scheduled work is keyed by
(bot/services/periods.py), so a restart, a second replica or a manual re-run finds it done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from bot.runtime.cron import cron_trigger

LOOKBACK = timedelta(days=400)


@dataclass(frozen=True)
class Schedule:
    cron: str
    zone: ZoneInfo

    @property
    def trigger(self) -> BaseTrigger:
        """Standard cron (bot/runtime/cron.py): ``0 9 * * 1`` is Monday at nine."""
        return cron_trigger(self.cron, self.zone)

    def firings_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Scheduled firings in (start, end], oldest first, as aware datetimes."""
        trigger = self.trigger
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        firings: list[datetime] = []
        moment = trigger.get_next_fire_time(None, start)
        while moment is not None and moment.astimezone(UTC) <= end:
            instant = moment.astimezone(UTC)
            if instant > start and (not firings or instant > firings[-1]):
                firings.append(instant)
            moment = trigger.get_next_fire_time(moment, instant + timedelta(seconds=1))
        return self._once_per_wall_time([f.astimezone(self.zone) for f in firings])

    @staticmethod
    def _once_per_wall_time(firings: list[datetime]) -> list[datetime]:
        """When clocks go back, 02:30 happens twice; a schedule means it once."""
        kept: list[datetime] = []
        for firing in firings:
            if kept and kept[-1].replace(tzinfo=None) == firing.replace(tzinfo=None):
                continue
            kept.append(firing)
        return kept

    def latest_firing(self, now: datetime) -> datetime | None:
        """The last scheduled firing at or before ``now`` (None if there is none in a year)."""
        window = timedelta(days=1)
        while window <= LOOKBACK:
            firings = self.firings_between(now - window, now)
            if firings:
                return firings[-1]
            window *= 4
        return None

    def missed_within(self, now: datetime, grace: timedelta) -> datetime | None:
        """The latest firing inside the grace window before ``now``, to catch up on start."""
        firings = self.firings_between(now - grace, now)
        return firings[-1] if firings else None
