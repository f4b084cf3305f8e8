"""Schedules with a frozen clock: cron in the team's zone, DST, periods, catch-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.jobs.schedule import Schedule
from bot.services.periods import period_key

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_NINE = Schedule("0 9 * * mon", BERLIN)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_monday_nine_in_berlin_is_eight_utc_in_winter_and_seven_in_summer() -> None:
    winter = MONDAY_NINE.latest_firing(utc(2026, 11, 24, 12, 0))
    summer = MONDAY_NINE.latest_firing(utc(2026, 7, 1, 12, 0))
    assert winter is not None
    assert summer is not None
    assert winter.astimezone(UTC) == utc(2026, 11, 23, 8, 0)
    assert summer.astimezone(UTC) == utc(2026, 6, 29, 7, 0)


def test_the_period_is_the_firing_not_the_moment_of_running() -> None:
    early = MONDAY_NINE.latest_firing(utc(2026, 11, 23, 8, 0, 30))
    late = MONDAY_NINE.latest_firing(utc(2026, 11, 29, 23, 59))
    assert early is not None
    assert late is not None
    assert period_key(early) == period_key(late) == "2026-11-23T08:00Z"
    before = MONDAY_NINE.latest_firing(utc(2026, 11, 23, 7, 59))
    assert before is not None
    assert period_key(before) == "2026-11-16T08:00Z"


def test_spring_forward_skipped_hour_still_fires_once() -> None:
    nightly = Schedule("30 2 * * *", BERLIN)
    firings = nightly.firings_between(utc(2026, 3, 28, 0, 0), utc(2026, 3, 31, 0, 0))
    days = [f.date() for f in firings]
    assert days == sorted(set(days))
    assert len(firings) == 3


def test_fall_back_repeated_hour_fires_once() -> None:
    nightly = Schedule("30 2 * * *", BERLIN)
    firings = nightly.firings_between(utc(2026, 10, 24, 0, 0), utc(2026, 10, 27, 0, 0))
    assert [f.day for f in firings] == [24, 25, 26]


def test_a_missed_firing_is_caught_up_within_the_grace_window_only() -> None:
    grace = timedelta(hours=6)
    recovered = MONDAY_NINE.missed_within(utc(2026, 11, 23, 13, 0), grace)
    assert recovered is not None
    assert recovered.astimezone(UTC) == utc(2026, 11, 23, 8, 0)
    assert MONDAY_NINE.missed_within(utc(2026, 11, 23, 14, 1), grace) is None
    assert MONDAY_NINE.missed_within(utc(2026, 11, 25, 9, 0), grace) is None


def test_other_time_zones() -> None:
    daily = Schedule("0 9 * * *", ZoneInfo("America/New_York"))
    firing = daily.latest_firing(utc(2026, 11, 24, 13, 59))
    assert firing is not None
    assert firing.astimezone(UTC) == utc(2026, 11, 23, 14, 0)
