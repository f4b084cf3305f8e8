"""A theme's score: the framework's components, the total and the one-line why.

Scores are absolute (see ``scoring.components``): adding an unrelated theme changes no
other theme's score.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from scoring import drivers
from scoring.components import Parts, strength
from scoring.config import ScoringConfig
from scoring.frameworks import FRAMEWORKS
from scoring.models import Objective, ThemeFacts, ThemeScore


def score_theme(
    facts: ThemeFacts,
    objectives: Sequence[Objective],
    config: ScoringConfig | None = None,
    now: datetime | None = None,
) -> ThemeScore:
    """Score one theme. ``now`` is required (scoring never reads the clock)."""
    if now is None:
        raise ValueError("score_theme needs `now`: scoring never reads the clock")
    config = config or ScoringConfig()
    parts = Parts.of(facts, objectives, config, now)
    components = FRAMEWORKS[config.framework](parts, facts, config)
    total = round(sum(c.contribution for c in components), 6)
    served = tuple(
        (name, word)
        for name, fit in sorted(parts.alignment.fits, key=lambda nf: (-nf[1], nf[0]))
        if (word := strength(fit, config)) is not None
    )
    return ThemeScore(
        theme_id=facts.theme_id,
        total=total,
        components=components,
        why=why(parts, served, facts),
        objectives=served,
    )


def why(parts: Parts, served: Sequence[tuple[str, str]], facts: ThemeFacts) -> str:
    """One line a PM can repeat: people, domains, objectives, pain, pulse, the tied
    driver with the largest gap, effort."""
    d = parts.demand
    people = f"{d.headcount} {'person' if d.headcount == 1 else 'people'}"
    if d.domains:
        people += f" in {d.domains} {'domain' if d.domains == 1 else 'domains'}"
    bits = [people]
    bits += [f"serves '{name}' {word}" for name, word in served[:2]]
    if parts.pain_mean is not None:
        level = "high" if parts.pain_mean >= 4 else "moderate" if parts.pain_mean >= 2.5 else "low"
        bits.append(f"{level} pain")
    if facts.pulse_mentions:
        mentions = f"{facts.pulse_mentions} pulse mention{'s' if facts.pulse_mentions > 1 else ''}"
        mood = facts.pulse_mention_sentiment
        if mood is not None and mood <= -0.25:
            mentions += " (unhappy)"
        bits.append(mentions)
    value, driver = drivers.largest_gap(facts)
    if driver is not None and value > 0:
        bits.append(drivers.reason(driver))
    if facts.effort:
        bits.append(f"effort {facts.effort}")
    return ", ".join(bits)
