"""Cron means what crontab(5) says: 0 and 7 are Sunday, 1 is Monday, names work, and a
restricted day of the month or of the week fires on either."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.jobs.schedule import Schedule
from bot.runtime.cron import cron_trigger, next_firings
from bot.runtime.serve import log_schedules
from bot.runtime.settings import Settings

BERLIN = ZoneInfo("Europe/Berlin")
#: A Sunday noon: every next firing below is counted from here.
SUNDAY = datetime(2026, 12, 6, 12, 0, tzinfo=BERLIN)


def weekdays(expression: str, count: int = 7) -> list[str]:
    return [firing.strftime("%a") for firing in next_firings(expression, BERLIN, SUNDAY, count)]


@pytest.mark.parametrize("expression", ["0 9 * * 1", "0 9 * * mon", "0 9 * * MON"])
def test_day_one_and_mon_fire_on_monday(expression: str) -> None:
    firings = next_firings(expression, BERLIN, SUNDAY, 3)
    assert [firing.strftime("%a %d %H:%M") for firing in firings] == [
        "Mon 07 09:00",
        "Mon 14 09:00",
        "Mon 21 09:00",
    ]


def test_the_schedule_used_by_the_jobs_fires_on_monday() -> None:
    latest = Schedule("0 9 * * 1", BERLIN).latest_firing(datetime(2026, 12, 9, 12, tzinfo=UTC))
    assert latest is not None
    assert latest.strftime("%a %d %H:%M") == "Mon 07 09:00"


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("0", ["Sun"]),
        ("7", ["Sun"]),
        ("sun", ["Sun"]),
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("mon-fri", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("5-7", ["Fri", "Sat", "Sun"]),
        ("0,6", ["Sat", "Sun"]),
        ("*/2", ["Tue", "Thu", "Sat", "Sun"]),
        ("mon-sun", ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
    ],
)
def test_day_of_week_fields_name_the_standard_days(field: str, expected: list[str]) -> None:
    firings = weekdays(f"0 9 * * {field}", count=len(expected))
    assert sorted(firings) == sorted(expected)


def test_a_day_of_month_and_a_day_of_week_fire_on_either() -> None:
    firings = next_firings("0 10 1,15 * mon", BERLIN, SUNDAY, 4)
    assert [firing.strftime("%a %d") for firing in firings] == [
        "Mon 07",
        "Mon 14",
        "Tue 15",
        "Mon 21",
    ]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 9 * * 8", "day of week '8': use 0-7"),
        ("0 9 * * fri-mon", "'fri-mon' runs backwards"),
        ("0 9 * * someday", "day of week 'someday'"),
        ("0 9 * *", "5 fields"),
        ("0 25 * * *", "hour"),
    ],
)
def test_bad_expressions_say_what_is_wrong(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cron_trigger(expression, BERLIN)


def test_serve_logs_the_next_three_firings_of_each_schedule(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(
        digest_schedule="0 9 * * 1", pulse_schedule="0 10 1,15 * *", timezone="Europe/Berlin"
    )
    with caplog.at_level(logging.INFO, logger="bot.runtime.serve"):
        log_schedules(settings, SUNDAY)
    assert (
        "digest schedule '0 9 * * 1' (Europe/Berlin): next "
        "Mon 07 Dec 2026 09:00, Mon 14 Dec 2026 09:00, Mon 21 Dec 2026 09:00"
    ) in caplog.messages
    assert (
        "pulse schedule '0 10 1,15 * *' (Europe/Berlin): next "
        "Tue 15 Dec 2026 10:00, Fri 01 Jan 2027 10:00, Fri 15 Jan 2027 10:00"
    ) in caplog.messages
