"""The objectives' KPIs as the digest and `/roadmap stats` show them: each objective's
latest value, its change over the period read with the KPI's direction (better or
worse), how far the target still is, and the ranked themes that serve it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.digest_views import ObjectiveKpiView
from bot.slack.blocks.elements import Block, section
from bot.slack.blocks.text import DAY, safe, slack_date, theme_name

SHOWN = 5
NAME_LIMIT = 80
THEME_LIMIT = 60


def number(value: float) -> str:
    """A measured figure: thousands separated, at most two decimals, no trailing zeros."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def with_unit(value: float, unit: str) -> str:
    if not unit:
        return number(value)
    glue = "" if unit.startswith("%") else " "
    return f"{number(value)}{glue}{safe(unit, 40)}"


def change_text(view: ObjectiveKpiView, period: str) -> str | None:
    """E.g. "↓ 0.8 days since the last digest, *better*": the arrow is which way the value
    moved, the word whether that is good for this KPI."""
    if not view.measured_in_period and view.latest_at is not None:
        return f"no new value since {slack_date(view.latest_at, DAY)}"
    change, verdict = view.change, view.verdict
    if change is None or verdict is None:
        return None
    if verdict == "unchanged":
        return f"unchanged {period}"
    arrow = "↑" if change > 0 else "↓"
    return f"{arrow} {with_unit(abs(change), view.kpi.unit)} {period}, *{verdict}*"


def target_text(view: ObjectiveKpiView) -> str | None:
    remaining, target = view.to_target, view.kpi.target
    if remaining is None or target is None:
        return None
    if remaining <= 0:
        return f"target {with_unit(target, view.kpi.unit)} met"
    return f"{with_unit(remaining, view.kpi.unit)} to target {with_unit(target, view.kpi.unit)}"


def objective_kpi_line(view: ObjectiveKpiView, period: str) -> str:
    head = f"• *{safe(view.objective, NAME_LIMIT)}* — {safe(view.kpi.name, NAME_LIMIT)}"
    if view.latest is None:
        return f"{head}: no value yet (`pulseboard kpi record`, a CSV or `POST /kpis`)"
    parts = [f"{head}: *{with_unit(view.latest, view.kpi.unit)}*"]
    parts.extend(text for text in (change_text(view, period), target_text(view)) if text)
    line = " · ".join(parts)
    if view.serving:
        served = ", ".join(theme_name(i, label, THEME_LIMIT) for i, label in view.serving)
        line += f"\n   Served by {served}"
    return line


def objective_kpi_text(views: Sequence[ObjectiveKpiView], period: str) -> str | None:
    """The lines of the objectives with a KPI (None: no objective has one)."""
    if not views:
        return None
    lines = [objective_kpi_line(view, period) for view in views[:SHOWN]]
    if len(views) > SHOWN:
        lines.append(f"and {len(views) - SHOWN} more")
    return "\n".join(lines)


def objective_kpi_blocks(views: Sequence[ObjectiveKpiView], period: str) -> list[Block]:
    """The digest's "Objectives" section; nothing when no objective has a KPI."""
    text = objective_kpi_text(views, period)
    if text is None:
        return []
    return [{"type": "divider"}, section(f"*Objectives*\n{text}")]
