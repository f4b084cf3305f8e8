"""Driver results (`/roadmap pulse`) and "did it help?" (`/roadmap theme N`, the digest).

Plain views in (bot/services/pulses/driver_views.py), Block Kit out. Withheld figures
are said to be withheld, never guessed.
"""

from __future__ import annotations

from bot.services.pulses.driver_views import (
    DriverFigures,
    DriverResults,
    Outcome,
    SatisfactionShift,
    quadrant_words,
)
from bot.slack.blocks.elements import Block, context, section
from bot.slack.blocks.text import plural, safe

SECTION_LIMIT = 2900


def percent(share: float) -> str:
    return f"{round(100 * share)}%"


def signed(change: float) -> str:
    return f"{change:+.1f}"


def driver_line(d: DriverFigures) -> str:
    name = safe(d.name, 80)
    if d.satisfaction is None or d.unsatisfied is None:
        return f"• *{name}*: withheld ({plural(d.answers, 'answer')})"
    parts = [f"satisfaction *{d.satisfaction:.1f}*/5, {percent(d.unsatisfied)} unsatisfied"]
    if d.change is not None:
        parts.append(f"{signed(d.change)} since the last round")
    if d.importance is not None:
        parts.append(f"importance {d.importance:.1f}/5")
    if d.gap is not None:
        parts.append(f"gap {d.gap:.2f}")
    line = f"• *{name}*: " + " · ".join(parts)
    domains = [
        f"{safe(g.domain, 40)} {g.satisfaction:.1f} ({percent(g.unsatisfied)} unsatisfied"
        + (f", {signed(g.change)}" if g.change is not None else "")
        + ")"
        for g in d.domains
    ]
    if domains:
        line += "\n   _by domain: " + "; ".join(domains) + "_"
    if d.withheld_domains:
        line += f"\n   _{plural(d.withheld_domains, 'domain')} withheld (too few people)_"
    return line


def driver_results_blocks(results: DriverResults | None) -> list[Block]:
    """The drivers section of `/roadmap pulse`; nothing before any round asked drivers."""
    if results is None:
        return []
    head = section("*Drivers of developer experience*")
    people = plural(results.answered, "person", "people")
    if results.is_open:
        return [head, context(f"{people} answered so far; results show once the round closes.")]
    lines = "\n".join(driver_line(d) for d in results.drivers)
    return [
        head,
        section(f"*{safe(quadrant_words(results), 1500)}*"),
        section(lines[:SECTION_LIMIT] or "No driver answers."),
        context(
            f"Round of {results.started_at:%d %b %Y} · {people}"
            f" answered · unsatisfied = answers 1–2 · gap = importance/5 × unsatisfied · "
            f"figures from fewer than {results.threshold} people are withheld"
        ),
    ]


def shift_text(s: SatisfactionShift) -> str:
    return (
        f"{safe(s.group, 60)} {s.before:.1f} → {s.after:.1f} ({signed(s.change)}; "
        f"unsatisfied {percent(s.unsatisfied_before)} → {percent(s.unsatisfied_after)})"
    )


def outcome_lines(outcome: Outcome) -> list[str]:
    """ "build speed: its requesters 2.1 → 3.4 (+1.3; …); platform 2.5 → 3.0 (…)"."""
    return [
        f"{safe(found.driver, 80)}: " + "; ".join(shift_text(s) for s in found.shifts)
        for found in outcome.drivers
    ]


def outcome_blocks(outcome: Outcome | None) -> list[Block]:
    """ "Did it help?" on `/roadmap theme N`: the shifts, or why none shows."""
    if outcome is None:
        return []
    rounds = ""
    if outcome.before_round and outcome.after_round:
        rounds = (
            f" _(round of {outcome.before_round:%d %b} before shipping, "
            f"{outcome.after_round:%d %b} after)_"
        )
    if not outcome.drivers:
        return [section(f"*Did it help?*\n_{safe(outcome.note, 300)}_")]
    lines = "\n".join(f"• {line}" for line in outcome_lines(outcome))
    return [section(f"*Did it help?*{rounds}\n{lines}"[:SECTION_LIMIT])]
