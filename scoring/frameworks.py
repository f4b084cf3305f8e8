"""The three ways to combine a theme's parts into one number.

- ``default``: a weighted sum of demand, pain, objective alignment and satisfaction
  (and tied drivers' gap, for a theme tied to one: scoring.drivers), then, once a PM
  has set them, times confidence and divided by ``size ** exponent``.
- ``rice``: reach × impact × confidence ÷ effort.
- ``wsjf``: cost of delay ÷ job size.

Each returns its components; a component's ``contribution`` is what it adds to the
total, so the contributions always sum to the total.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from scoring import drivers
from scoring.components import Parts, effort_size
from scoring.config import ScoringConfig
from scoring.models import ScoreComponent, ThemeFacts

Combiner = Callable[[Parts, ThemeFacts, ScoringConfig], tuple[ScoreComponent, ...]]


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def _job_size(facts: ThemeFacts, config: ScoringConfig) -> tuple[float, str]:
    """The effort's job size (M's when no effort is set) and the words for it."""
    size = effort_size(facts.effort, config) or effort_size("M", config) or 2.0
    return size, f"effort {facts.effort}" if facts.effort else "effort not set (M)"


def default(parts: Parts, facts: ThemeFacts, config: ScoringConfig) -> tuple[ScoreComponent, ...]:
    d, a = parts.demand, parts.alignment
    pain_said = (
        f"mean pain {parts.pain_mean:.1f}/5"
        if parts.pain_mean is not None
        else (f"no pain stated (assumed {config.default_pain:g}/5)")
    )
    fits = ", ".join(f"{n} {_pct(f)}" for n, f in a.fits) or "no objectives"
    base = [
        (
            "demand",
            d.value,
            config.weight_demand,
            f"{d.people:.1f} recency-weighted people, {d.domains} domains",
        ),
        ("pain", parts.pain, config.weight_pain, pain_said),
        ("alignment", a.value, config.weight_alignment, fits),
        (
            "satisfaction",
            parts.satisfaction,
            config.weight_satisfaction,
            f"{facts.pulse_mentions} pulse mentions",
        ),
    ]
    if facts.drivers:
        value, _ = drivers.largest_gap(facts)
        base.append(("drivers", value, config.weight_drivers, drivers.detail(facts)))
    components = [ScoreComponent(n, round(v, 6), w, round(v * w, 6), t) for n, v, w, t in base]
    subtotal = sum(c.contribution for c in components)
    factor = 1.0
    if facts.confidence is not None:
        confidence = min(1.0, max(0.0, facts.confidence))
        after = subtotal * confidence
        components.append(
            ScoreComponent(
                "confidence",
                confidence,
                1.0,
                round(after - subtotal, 6),
                f"PM confidence {_pct(confidence)}",
            )
        )
        factor *= confidence
    size = effort_size(facts.effort, config)
    if size is not None and config.effort_exponent > 0:
        before = subtotal * factor
        after = before / size**config.effort_exponent
        components.append(
            ScoreComponent(
                "effort",
                size,
                config.effort_exponent,
                round(after - before, 6),
                f"effort {facts.effort} (size {size:g}): "
                f"total ÷ {size:g}^{config.effort_exponent:g}",
            )
        )
    return tuple(components)


def rice(parts: Parts, facts: ThemeFacts, config: ScoringConfig) -> tuple[ScoreComponent, ...]:
    """Reach = recency-weighted people; impact 0.25..3 from pain and alignment."""
    reach = parts.demand.people
    impact = 0.25 + 2.75 * (parts.pain + parts.alignment.value) / 2
    confidence = facts.confidence if facts.confidence is not None else config.default_confidence
    size, size_said = _job_size(facts, config)
    total = reach * impact * confidence / size
    # a product has no additive split: reach carries the total, the others show their
    # factor (value) with contribution 0.
    return (
        ScoreComponent(
            "reach",
            round(reach, 6),
            1.0,
            round(total, 6),
            f"{parts.demand.headcount} people, recency-weighted {reach:.1f}",
        ),
        ScoreComponent("impact", round(impact, 6), 1.0, 0.0, "0.25..3 from pain and alignment"),
        ScoreComponent(
            "confidence",
            round(confidence, 6),
            1.0,
            0.0,
            "set by a PM" if facts.confidence is not None else "default",
        ),
        ScoreComponent("effort", size, 1.0, 0.0, size_said),
    )


def wsjf(parts: Parts, facts: ThemeFacts, config: ScoringConfig) -> tuple[ScoreComponent, ...]:
    """Cost of delay (value + time criticality + opportunity, each 0..10) ÷ job size."""
    size, size_said = _job_size(facts, config)
    pieces = [
        ("business value", 10 * parts.demand.value, "demand"),
        ("time criticality", 10 * parts.pain, "stated pain"),
        ("opportunity", 10 * parts.alignment.value, "objective alignment"),
    ]
    components = [
        ScoreComponent(
            name, round(v, 6), 1 / size, round(v / size, 6), f"from {src}, ÷ size {size:g}"
        )
        for name, v, src in pieces
    ]
    components.append(ScoreComponent("job size", size, 1.0, 0.0, size_said))
    return tuple(components)


FRAMEWORKS: Mapping[str, Combiner] = {"default": default, "rice": rice, "wsjf": wsjf}
