"""Standard cron expressions as APScheduler 3 triggers.

APScheduler 3 reads the day-of-week field its own way: 0 is Monday, 7 is refused, and
``1-5`` means Tuesday to Saturday. Operators write cron as crontab(5) means it: 0 and 7
are Sunday, 1 is Monday, names work, and when both the day of the month and the day of
the week are restricted, a day matching *either* fires. This module translates the
day-of-week field into weekday names (which both read alike) and builds the triggers.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

#: Standard cron's day numbers: 0 and 7 are Sunday.
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
FIELDS = ("minute", "hour", "day", "month", "day_of_week")


def cron_trigger(expression: str, zone: tzinfo | str) -> BaseTrigger:
    """The trigger of a five-field cron expression; ValueError names what is wrong."""
    fields = expression.split()
    if len(fields) != len(FIELDS):
        raise ValueError(f"a cron expression has 5 fields, {expression!r} has {len(fields)}")
    minute, hour, day, month, day_of_week = fields
    for name, value in zip(FIELDS[:4], fields[:4], strict=True):
        try:
            CronTrigger(**{name: value})
        except ValueError as error:
            raise ValueError(f"{name.replace('_', ' ')} {value!r}: {error}") from None
    weekdays = _weekday_names(day_of_week)
    common = {"minute": minute, "hour": hour, "month": month, "timezone": zone}
    if day != "*" and day_of_week != "*":
        return OrTrigger(
            [
                CronTrigger(day=day, day_of_week="*", **common),
                CronTrigger(day="*", day_of_week=weekdays, **common),
            ]
        )
    return CronTrigger(day=day, day_of_week=weekdays, **common)


def next_firings(expression: str, zone: tzinfo, after: datetime, count: int = 3) -> list[datetime]:
    """The next ``count`` firings after ``after``, in ``zone``."""
    trigger = cron_trigger(expression, zone)
    firings: list[datetime] = []
    while len(firings) < count:
        previous = firings[-1] if firings else None
        firing = trigger.get_next_fire_time(previous, previous or after)
        if firing is None:
            break
        firings.append(firing)
    return firings


def _weekday_names(field: str) -> str:
    """``1-5`` → ``mon,tue,wed,thu,fri``; ``0``/``7`` → ``sun``; ``*`` stays ``*``."""
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.split(","):
        days |= _weekday_item(item)
    return ",".join(DAY_NAMES[day] for day in sorted(days))


def _weekday_item(item: str) -> set[int]:
    span, slash, step_text = item.partition("/")
    step = _number(step_text, item, 1, 7) if slash else 1
    if span == "*":
        first, last = 0, 6
    elif "-" in span:
        start, _, end = span.partition("-")
        first, last = _day(start, item), _day(end, item)
        if last == 0 < first:  # "mon-sun": Sunday closes the week
            last = 7
        if first > last:
            raise ValueError(f"day-of-week range {item!r} runs backwards")
    else:
        first = _day(span, item)
        last = 7 if slash else first
    return {day % 7 for day in range(first, last + 1, step)}


def _day(text: str, item: str) -> int:
    name = text.strip().lower()
    if name in DAY_NAMES:
        return DAY_NAMES.index(name)
    return _number(name, item, 0, 7)


def _number(text: str, item: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(
            f"day of week {item!r}: use 0-7 (0 and 7 are Sunday) or names (mon, tue, …)"
        )
    return int(text)
