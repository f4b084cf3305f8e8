"""The name of a scheduled period, the key that makes scheduled work happen once.

A digest's period is the scheduled firing it belongs to (the latest one at or before
now). Keying the digest, its regrouping and a scheduled pulse round by that firing, not by
the moment they ran, is what lets a restart, a second replica or a manual re-run find the
work done. Which firing is the latest is the scheduler's business (bot/jobs/schedule.py).
"""

from __future__ import annotations

from datetime import UTC, datetime


def period_key(firing: datetime) -> str:
    """A stable name for the period that starts at ``firing`` (UTC, minute precision)."""
    return firing.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
