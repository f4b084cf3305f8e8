"""Plain, immutable types that flow in and out of the scoring package.

The bot maps database rows onto these types; scoring never sees a row, a session or
a Slack payload (DESIGN.md: scoring is pure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

Effort = Literal["S", "M", "L", "XL"]
Strength = Literal["strongly", "moderately", "slightly"]
TrendKind = Literal["new", "up", "down", "same"]


# --- themes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestDoc:
    """A request as the clustering sees it: ``text`` is title and body joined.

    ``pinned=True`` means a PM placed it in ``theme_id`` (by a merge or a split);
    re-clustering keeps it there. ``embedding``: its stored sentence embedding (a unit
    vector from the configured embedder), so grouping need not embed it again; None
    means "embed it if the backend needs it".
    """

    id: int
    text: str
    theme_id: int | None = None
    pinned: bool = False
    embedding: NDArray[np.floating[Any]] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ThemeState:
    """An existing theme as stored.

    ``locked``: a PM acted on it (status, effort, confidence, rename, merge, split…), so
    it keeps its id, its label and every request it holds; new requests may join it.
    ``keep_label``: its ``label`` stays whatever the grouping finds (it was shown in a
    digest, or a PM chose it); only a PM changes it.
    """

    id: int
    request_ids: frozenset[int]
    locked: bool = False
    label: str = ""
    keep_label: bool = False


@dataclass(frozen=True, slots=True)
class ThemeGroup:
    """One theme produced by clustering.

    ``theme_id`` is an existing id kept by overlap matching, or ``None`` for a new
    theme the bot must create.
    """

    theme_id: int | None
    request_ids: tuple[int, ...]
    label: str
    top_terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """A near neighbour of a text: a candidate duplicate."""

    request_id: int
    theme_id: int | None
    similarity: float


# --- scoring inputs -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestFact:
    """What scoring needs to know about one request of a theme."""

    requester: str
    domain: str | None
    pain: int | None  # 1..5, what the requester says it costs them today
    created_at: datetime
    objective: str | None = None  # an objective name the requester tagged explicitly


@dataclass(frozen=True, slots=True)
class VoteFact:
    """A vote (a "+1") on a theme or one of its requests."""

    user: str
    domain: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DriverGap:
    """A driver of developer experience a theme is tied to, with its published figures:
    the share of people unsatisfied with it (answers 1–2, 0..1), its mean importance
    (1..5) and its rank by importance among the drivers (1 = most important)."""

    name: str
    unsatisfied: float
    importance: float
    importance_rank: int | None = None


@dataclass(frozen=True, slots=True)
class ThemeFacts:
    """Everything scoring needs about one theme."""

    theme_id: int
    label: str
    text: str  # the theme's label plus its requests' texts, used for objective fit
    requests: tuple[RequestFact, ...]
    votes: tuple[VoteFact, ...] = ()
    effort: Effort | None = None
    confidence: float | None = None  # 0..1, set by a PM
    pulse_mentions: int = 0
    pulse_mention_sentiment: float | None = None  # -1 (unhappy) .. +1 (happy)
    #: The mean of its requests' sentence embeddings (unit length), for objective fit by
    #: meaning; None: fit by words (``scoring.objectives.text_similarity``).
    embedding: NDArray[np.floating[Any]] | None = field(default=None, compare=False, repr=False)
    #: Drivers the theme is tied to (by a PM, or suggested by meaning) whose figures are
    #: published (scoring.drivers).
    drivers: tuple[DriverGap, ...] = ()


@dataclass(frozen=True, slots=True)
class Objective:
    """A business objective themes are scored against."""

    name: str
    description: str
    keywords: tuple[str, ...] = ()
    weight: float = 1.0
    #: The sentence embedding of :meth:`text` (unit length), in the same space as
    #: ``ThemeFacts.embedding``; None: fit by words.
    embedding: NDArray[np.floating[Any]] | None = field(default=None, compare=False, repr=False)

    def text(self) -> str:
        """What a theme is compared with: name, description and keywords."""
        return " ".join([self.name, self.description, *self.keywords])


# --- scoring outputs ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoreComponent:
    """One part of a score: its raw ``value`` in 0..1, its weight and its contribution.

    ``contribution`` is what this component adds to the total (usually value × weight);
    ``detail`` says in words where the value came from.
    """

    name: str
    value: float
    weight: float
    contribution: float
    detail: str


@dataclass(frozen=True, slots=True)
class ThemeScore:
    """A theme's total score, its breakdown and the one-line reason a PM can repeat."""

    theme_id: int
    total: float
    components: tuple[ScoreComponent, ...]
    why: str
    objectives: tuple[tuple[str, Strength], ...] = ()

    def component(self, name: str) -> ScoreComponent:
        """The component called ``name`` (KeyError if the score has none)."""
        for part in self.components:
            if part.name == name:
                return part
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class Trend:
    """How a theme moved since the previous ranking snapshot."""

    kind: TrendKind
    by: int = 0

    @property
    def marker(self) -> str:
        """A short marker for a digest: ``new``, ``▲3``, ``▼1`` or ``=``."""
        return {"new": "new", "up": f"▲{self.by}", "down": f"▼{self.by}"}.get(self.kind, "=")


@dataclass(frozen=True, slots=True)
class RankedTheme:
    """A theme's place in a ranking, with its score and its trend."""

    theme_id: int
    position: int  # 1-based
    score: ThemeScore
    trend: Trend = field(default_factory=lambda: Trend("new"))
