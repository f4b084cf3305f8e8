"""The measured parts of a theme's score, each a value in 0..1.

Every component is absolute: it depends on this theme's facts, the objectives and the
configuration only, never on other themes, so adding an unrelated theme changes no
other theme's score. Each component's value lies in 0..1 and saturates (diminishing
returns) instead of being divided by the largest theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from scoring.config import ScoringConfig
from scoring.models import Objective, Strength, ThemeFacts
from scoring.objectives import meaning_similarity, text_similarity


@dataclass(frozen=True, slots=True)
class Demand:
    """Who asks: recency-weighted people, distinct domains, and the 0..1 value."""

    people: float  # recency-weighted distinct requesters and voters
    headcount: int  # distinct people, unweighted (for the words)
    domains: int
    value: float


@dataclass(frozen=True, slots=True)
class Alignment:
    """Fit to each objective (0..1) and the combined 0..1 value."""

    fits: tuple[tuple[str, float], ...]
    value: float


def recency(created_at: datetime, now: datetime, half_life_days: float) -> float:
    """``0.5 ** (age / half-life)``: 1 today, 0.5 after one half-life."""
    age_days = max(0.0, (now - created_at).total_seconds() / 86_400)
    return float(0.5 ** (age_days / half_life_days))


def saturate(x: float, half_point: float) -> float:
    """``x / (x + half_point)``: 0 at 0, 0.5 at ``half_point``, approaching 1."""
    return x / (x + half_point) if x > 0 else 0.0


def demand(facts: ThemeFacts, config: ScoringConfig, now: datetime) -> Demand:
    """Each person counts once (their latest activity sets the recency); a voter who is
    not a requester counts ``vote_weight``."""
    weight: dict[str, float] = {}
    for request in facts.requests:
        w = recency(request.created_at, now, config.half_life_days)
        weight[request.requester] = max(weight.get(request.requester, 0.0), w)
    requesters = set(weight)
    for vote in facts.votes:
        if vote.user in requesters:
            continue
        w = config.vote_weight * recency(vote.created_at, now, config.half_life_days)
        weight[vote.user] = max(weight.get(vote.user, 0.0), w)
    domains = {r.domain for r in facts.requests if r.domain} | {
        v.domain for v in facts.votes if v.domain
    }
    people = sum(weight.values())
    reach = saturate(people, config.people_half_point)
    breadth = saturate(len(domains), config.domains_half_point)
    value = (1 - config.breadth_share) * reach + config.breadth_share * breadth
    return Demand(people, len(weight), len(domains), value)


def pain(facts: ThemeFacts, config: ScoringConfig) -> tuple[float | None, float]:
    """Mean stated pain (1..5, None if nobody said) and its 0..1 value."""
    stated = [r.pain for r in facts.requests if r.pain is not None]
    mean = sum(stated) / len(stated) if stated else None
    level = mean if mean is not None else config.default_pain
    return mean, (min(5.0, max(1.0, level)) - 1.0) / 4.0


def alignment(
    facts: ThemeFacts, objectives: Sequence[Objective], config: ScoringConfig
) -> Alignment:
    """Per objective: ``tag_share × tagged share + (1 - tag_share) × text fit``; the
    value adds the fits weighted by ``weight / largest weight``, capped at 1."""
    if not objectives:
        return Alignment((), 0.0)
    top_weight = max(o.weight for o in objectives) or 1.0
    fits: list[tuple[str, float]] = []
    total = 0.0
    for objective in objectives:
        tagged = sum(1 for r in facts.requests if r.objective == objective.name)
        tag_fit = tagged / len(facts.requests) if facts.requests else 0.0
        fit = config.tag_share * tag_fit + (1 - config.tag_share) * text_fit(
            facts, objective, config
        )
        fits.append((objective.name, fit))
        total += max(0.0, objective.weight) / top_weight * fit
    return Alignment(tuple(fits), min(1.0, total))


def text_fit(facts: ThemeFacts, objective: Objective, config: ScoringConfig) -> float:
    """How well the theme's text fits the objective, 0..1.

    By meaning when both carry a sentence embedding: the cosine of the theme's mean
    embedding and the objective's, mapped linearly from ``meaning_floor`` (unrelated, 0)
    to ``full_meaning_fit`` (1). Otherwise by words in a fixed hashed space. Either way it
    depends on this theme and this objective only.
    """
    if facts.embedding is not None and objective.embedding is not None:
        cosine = meaning_similarity(facts.embedding, objective.embedding)
        span = config.full_meaning_fit - config.meaning_floor
        return min(1.0, max(0.0, (cosine - config.meaning_floor) / span))
    similarity = text_similarity(f"{facts.label}\n{facts.text}", objective.text())
    return min(1.0, similarity / config.full_text_fit)


def satisfaction(facts: ThemeFacts, config: ScoringConfig) -> float:
    """Pulse mentions (saturating) times unhappiness: ``(1 - sentiment) / 2``."""
    mood = 0.0 if facts.pulse_mention_sentiment is None else facts.pulse_mention_sentiment
    unhappy = (1.0 - max(-1.0, min(1.0, mood))) / 2.0
    return saturate(facts.pulse_mentions, config.mentions_half_point) * unhappy


def effort_size(effort: str | None, config: ScoringConfig) -> float | None:
    """Relative job size of an effort label (S = 1 by default), None if unknown."""
    return dict(config.effort_sizes).get(effort) if effort else None


def strength(fit: float, config: ScoringConfig) -> Strength | None:
    """The word for how strongly a theme serves an objective (None below "slightly")."""
    if fit >= config.strongly_at:
        return "strongly"
    if fit >= config.moderately_at:
        return "moderately"
    if fit >= config.slightly_at:
        return "slightly"
    return None


@dataclass(frozen=True, slots=True)
class Parts:
    """The measured parts a framework combines."""

    demand: Demand
    pain_mean: float | None
    pain: float
    alignment: Alignment
    satisfaction: float

    @classmethod
    def of(
        cls,
        facts: ThemeFacts,
        objectives: Sequence[Objective],
        config: ScoringConfig,
        now: datetime,
    ) -> Parts:
        pain_mean, pain_value = pain(facts, config)
        return cls(
            demand=demand(facts, config, now),
            pain_mean=pain_mean,
            pain=pain_value,
            alignment=alignment(facts, objectives, config),
            satisfaction=satisfaction(facts, config),
        )
