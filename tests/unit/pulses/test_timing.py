"""Delivery windows in each person's zone, with a frozen clock, across a DST change."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.services.pulses.timing import DeliveryWindow, delivery_time, next_windows, zone_of

WINDOW = DeliveryWindow((1, 2, 3), time(10), time(16))  # Tue–Thu 10:00–16:00
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, TOKYO, ZoneInfo("Pacific/Auckland")])
def test_every_delivery_falls_in_the_local_window(zone: ZoneInfo) -> None:
    now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday
    rng = random.Random(7)
    for _ in range(200):
        at = delivery_time(now, zone, WINDOW, rng)
        assert at is not None
        assert at >= now
        there = local(at, zone)
        assert there.weekday() in (1, 2, 3)
        assert time(10) <= there.time() < time(16)


def test_friday_start_waits_for_tuesday() -> None:
    now = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # Friday
    [(start, end), *_] = next_windows(now, BERLIN, WINDOW)
    assert local(start, BERLIN) == datetime(2026, 3, 10, 10, 0, tzinfo=BERLIN)
    assert local(end, BERLIN) == datetime(2026, 3, 10, 16, 0, tzinfo=BERLIN)


def test_inside_the_window_only_the_rest_of_today_is_used() -> None:
    now = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # Tuesday 15:00 in Berlin
    [(start, end), *_] = next_windows(now, BERLIN, WINDOW)
    assert start == now
    assert local(end, BERLIN).hour == 16


def test_dst_change_keeps_local_hours() -> None:
    """Europe moves clocks forward on Sunday 29 March 2026: 10:00 Berlin is 09:00 UTC on
    Tue 24 March and 08:00 UTC on Tue 31 March."""
    before = next_windows(datetime(2026, 3, 23, 0, 0, tzinfo=UTC), BERLIN, WINDOW)[0]
    after = next_windows(datetime(2026, 3, 28, 0, 0, tzinfo=UTC), BERLIN, WINDOW)[0]
    assert before == (
        datetime(2026, 3, 24, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 24, 15, 0, tzinfo=UTC),
    )
    assert after == (
        datetime(2026, 3, 31, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 14, 0, tzinfo=UTC),
    )


def test_us_dst_change_differs_from_europe() -> None:
    """US clocks move on 8 March 2026: Tue 10 March 10:00 New York is 14:00 UTC (EDT)."""
    [(start, _), *_] = next_windows(datetime(2026, 3, 7, 0, 0, tzinfo=UTC), NEW_YORK, WINDOW)
    assert start == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def test_a_window_across_a_gap_hour_still_works() -> None:
    """A Sunday 01:00–04:00 window on the night clocks skip 02:00–03:00 is 2 hours long."""
    night = DeliveryWindow((6,), time(1), time(4))
    [(start, end), *_] = next_windows(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), BERLIN, night)
    assert (end - start).total_seconds() == 2 * 3600


def test_no_window_before_the_deadline() -> None:
    now = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)  # Thursday 16:00 Berlin: window over
    deadline = datetime(2026, 3, 8, 0, 0, tzinfo=UTC)
    assert delivery_time(now, BERLIN, WINDOW, random.Random(1), deadline) is None


def test_unknown_zone_falls_back_to_the_workspace_zone() -> None:
    assert zone_of(None, BERLIN) is BERLIN
    assert zone_of("Mars/Olympus", BERLIN) is BERLIN
    assert zone_of("Asia/Tokyo", BERLIN) == TOKYO
