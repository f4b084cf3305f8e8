"""The objectives' KPIs as the digest and `/roadmap stats` show them: each objective's
latest value, its change over the period read with the KPI's direction (better or
worse), how far the target still is, and the ranked themes that serve it.

The same lines serve the terminal (`pulseboard digest --dry-run`) in plain text: a
:class:`Marks` says how text is marked up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.services.digest_views import ObjectiveKpiView
from bot.slack.blocks.elements import Block, section
from bot.slack.blocks.text import DAY, safe, slack_date

SHOWN = 5
NAME_LIMIT = 80
THEME_LIMIT = 60
UNIT_LIMIT = 40


@dataclass(frozen=True)
class Marks:
    """How a line marks its text: escaped and cut, bold, a date."""

    text: Callable[[str, int], str]
    bold: Callable[[str], str]
    date: Callable[[datetime], str]


#: Slack's mrkdwn: user text escaped, dates in each reader's time zone.
MRKDWN = Marks(safe, lambda text: f"*{text}*", lambda moment: slack_date(moment, DAY))
#: A terminal's plain text.
PLAIN = Marks(
    lambda text, limit: text if len(text) <= limit else text[: limit - 1] + "…",
    lambda text: text,
    lambda moment: f"{moment:%d %b %Y}",
)


def number(value: float) -> str:
    """A measured figure: thousands separated, at most two decimals, no trailing zeros."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def with_unit(value: float, unit: str, marks: Marks = MRKDWN) -> str:
    if not unit:
        return number(value)
    glue = "" if unit.startswith("%") else " "
    return f"{number(value)}{glue}{marks.text(unit, UNIT_LIMIT)}"


def change_text(view: ObjectiveKpiView, period: str, marks: Marks = MRKDWN) -> str | None:
    """E.g. "↓ 0.8 days since the last digest, *better*": the arrow is which way the value
    moved, the word whether that is good for this KPI."""
    if not view.measured_in_period and view.latest_at is not None:
        return f"no new value since {marks.date(view.latest_at)}"
    change, verdict = view.change, view.verdict
    if change is None or verdict is None:
        return None
    if verdict == "unchanged":
        return f"unchanged {period}"
    arrow = "↑" if change > 0 else "↓"
    return f"{arrow} {with_unit(abs(change), view.kpi.unit, marks)} {period}, {marks.bold(verdict)}"


def target_text(view: ObjectiveKpiView, marks: Marks = MRKDWN) -> str | None:
    remaining, target, unit = view.to_target, view.kpi.target, view.kpi.unit
    if remaining is None or target is None:
        return None
    if remaining <= 0:
        return f"target {with_unit(target, unit, marks)} met"
    return f"{with_unit(remaining, unit, marks)} to target {with_unit(target, unit, marks)}"


def objective_kpi_line(view: ObjectiveKpiView, period: str, marks: Marks = MRKDWN) -> str:
    name = marks.bold(marks.text(view.objective, NAME_LIMIT))
    head = f"• {name} — {marks.text(view.kpi.name, NAME_LIMIT)}"
    if view.latest is None:
        return f"{head}: no value yet (`pulseboard kpi record`, a CSV or `POST /kpis`)"
    parts = [f"{head}: {marks.bold(with_unit(view.latest, view.kpi.unit, marks))}"]
    parts.extend(
        text for text in (change_text(view, period, marks), target_text(view, marks)) if text
    )
    line = " · ".join(parts)
    if view.serving:
        served = ", ".join(
            f"#{theme_id} {marks.text(label, THEME_LIMIT)}" for theme_id, label in view.serving
        )
        line += f"\n   Served by {served}"
    return line


def objective_kpi_text(
    views: Sequence[ObjectiveKpiView], period: str, marks: Marks = MRKDWN
) -> str | None:
    """The lines of the objectives with a KPI (None: no objective has one)."""
    if not views:
        return None
    lines = [objective_kpi_line(view, period, marks) for view in views[:SHOWN]]
    if len(views) > SHOWN:
        lines.append(f"and {len(views) - SHOWN} more")
    return "\n".join(lines)


def objective_kpi_blocks(views: Sequence[ObjectiveKpiView], period: str) -> list[Block]:
    """The digest's "Objectives" section; nothing when no objective has a KPI."""
    text = objective_kpi_text(views, period)
    if text is None:
        return []
    return [{"type": "divider"}, section(f"*Objectives*\n{text}")]
