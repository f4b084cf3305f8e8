"""Time-to-market in words: the digest's metrics line, `/roadmap stats`, one theme."""

from __future__ import annotations

from bot.services.digest_views import TimeToMarket, TimeToMarketFigures
from bot.services.roadmap.views import Delivery
from bot.slack.blocks.text import DAY, plural, safe, slack_date


def days(value: float) -> str:
    return plural(round(value), "day")


def change_phrase(figures: TimeToMarketFigures, before: str) -> str:
    """How the median compares with ``before`` ("the period before")."""
    change = figures.change_in_days
    if change is None:
        return f"none shipped {before}" if figures.previous_shipped == 0 else ""
    if abs(change) < 0.5:
        return f"as fast as {before}"
    return f"{days(abs(change))} {'faster' if change < 0 else 'slower'} than {before}"


def ship_time_phrase(figures: TimeToMarketFigures, before: str) -> str | None:
    """ "median 34 days from first ask to shipped (3 days faster than …)", or None when
    nothing shipped with a known first ask."""
    if figures.median_days_to_ship is None:
        return None
    trend = change_phrase(figures, before)
    phrase = f"median {days(figures.median_days_to_ship)} from first ask to shipped"
    return f"{phrase} ({trend})" if trend else phrase


def stats_lines(market: TimeToMarket, period_days: int) -> list[str]:
    overall = market.overall
    before = f"the {period_days} days before"
    shipped = ship_time_phrase(overall, before)
    if shipped is None:
        lines = [f"• Time to market: no theme shipped in the last {period_days} days"]
        if overall.previous_median_days_to_ship is not None:
            lines[0] += (
                f" ({plural(overall.previous_shipped, 'theme')} {before}, median "
                f"{days(overall.previous_median_days_to_ship)})"
            )
        return lines
    lines = [f"• Time to market: {shipped}, {plural(overall.shipped, 'theme')}"]
    unlinked = overall.shipped - overall.started_known
    if overall.median_days_to_start is not None and overall.median_days_in_work is not None:
        lines.append(
            f"• Work started a median {days(overall.median_days_to_start)} after the first "
            f"ask, then shipped in {days(overall.median_days_in_work)} "
            f"({overall.started_known} of {overall.shipped} had a linked item)"
        )
    if unlinked:
        lines.append(
            f"• {plural(unlinked, 'theme')} shipped without a linked item in progress: "
            "when work started is unknown (`/roadmap link N URL`)"
        )
    per_domain = [
        f"{safe(name, 40)} {days(f.median_days_to_ship)} ({plural(f.shipped, 'theme')})"
        for name, f in market.by_domain
        if f.median_days_to_ship is not None
    ]
    if per_domain:
        lines.append("• By domain: " + ", ".join(per_domain))
    return lines


def delivery_line(delivery: Delivery) -> str | None:
    """One theme: "first asked …, work started … (N days later), shipped … (N days later)"."""
    if delivery.first_asked_at is None:
        return None
    parts = [f"first asked {slack_date(delivery.first_asked_at, DAY)}"]
    if delivery.work_started_at is not None:
        started = f"work started {slack_date(delivery.work_started_at, DAY)}"
        if delivery.days_to_start is not None:
            started += f" ({days(delivery.days_to_start)} later)"
        parts.append(started)
    elif delivery.shipped_at is not None:
        parts.append("no linked item dated the start of work")
    if delivery.shipped_at is not None:
        shipped = f"shipped {slack_date(delivery.shipped_at, DAY)}"
        if delivery.days_to_ship is not None:
            shipped += f" ({days(delivery.days_to_ship)} after the first ask)"
        parts.append(shipped)
    return "*Time to market:* " + ", ".join(parts)
