"""Every weight and knob of the scoring model, with its default (see docs/scoring.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from scoring.embedding import Embedder

Framework = Literal["default", "rice", "wsjf"]

#: Effort sizes a PM can set, in relative "job size" units (S = 1).
DEFAULT_EFFORT_SIZES: tuple[tuple[str, float], ...] = (
    ("S", 1.0),
    ("M", 2.0),
    ("L", 4.0),
    ("XL", 8.0),
)


@dataclass(frozen=True, slots=True)
class ThemeConfig:
    """How requests are grouped into themes."""

    #: Two groups join when the average similarity of their requests is at least this
    #: (cosine, 0..1, measured on the LSA vectors; tuned on Banking77 dev).
    similarity_threshold: float = 0.45
    #: A new request joins a theme when its average similarity to the theme's
    #: requests is at least this; the same scale as ``similarity_threshold``.
    assign_threshold: float = 0.45
    #: Neighbours per request in the sparse neighbour graph.
    neighbours: int = 20
    #: How much a request's vector leans towards its nearest neighbours before grouping
    #: (0 = not at all): by this times their mean, weighted by similarity. Smooths over
    #: wording that only a few requests use.
    smoothing: float = 1.0
    #: A request leans towards its nearest ``backlog / this`` neighbours (at most
    #: ``neighbours``) …
    requests_per_smoothing_neighbour: int = 300
    #: … and at least this many. A small backlog has small themes: leaning on 20
    #: neighbours when a theme has 4 requests pulls other themes in (docs/scoring.md).
    min_smoothing_neighbours: int = 3
    #: One neighbour pulls at most this × its similarity, so that leaning on 3 does not
    #: lean on each as hard as a third of the whole pull.
    max_neighbour_pull: float = 0.15
    #: Dimensions of the LSA (truncated SVD) space.
    dimensions: int = 128
    #: Smaller backlogs get fewer dimensions: one per this many requests …
    documents_per_dimension: int = 10
    #: … but never fewer than this.
    min_dimensions: int = 16
    #: The LSA space is fitted on at most this many requests (a fixed sample).
    svd_sample: int = 20_000
    #: Above this many requests the neighbour search is approximate (inverted lists).
    exact_neighbours_up_to: int = 20_000
    #: A regrouped set keeps an old theme's id when it holds at least this share of
    #: the old theme's requests.
    keep_id_overlap: float = 0.5
    #: Longest label, in characters.
    label_length: int = 60
    #: Distinguishing terms reported per theme.
    top_terms: int = 5
    #: Seed of every randomised step, so the same input gives the same themes.
    seed: int = 0
    #: The semantic backend: a callable turning texts into unit vectors (sentence
    #: embeddings). None = TF-IDF + LSA. ``scoring`` never loads a model itself; the bot
    #: passes one in (``bot.services.themes.embedder``). See docs/scoring.md.
    embedder: Embedder | None = field(default=None, compare=False, repr=False)
    #: ``similarity_threshold`` for the semantic backend, on the blended scale of centred
    #: embeddings (tuned on Banking77 and CLINC150 dev together, checked on the
    #: duplicate-level ``small`` proxy; one value for every workspace).
    semantic_similarity_threshold: float = 0.50
    #: ``assign_threshold`` for the semantic backend.
    semantic_assign_threshold: float = 0.50
    #: With an embedder, the share of the embedding in the similarity of two requests;
    #: the rest is the TF-IDF + LSA view (1 = the embedding alone). See
    #: ``scoring.embedding.BlendSpace``; 0.7 beat 0.3, 0.5 and 1.0 on both dev sets.
    embedding_weight: float = 0.7
    #: Subtract the corpus mean embedding before blending (``scoring.embedding``): takes
    #: out the direction every sentence shares, so similarity measures what differs.
    centre_embeddings: bool = True
    #: The mean is shrunk by ``n / (n + centre_prior)`` for a backlog of n requests, so a
    #: small backlog is not centred on its own topic (100 requests → half the mean).
    centre_prior: float = 100.0

    def smoothing_neighbours(self, requests: int) -> int:
        """How many nearest neighbours a request leans towards in a backlog this size."""
        scaled = requests // self.requests_per_smoothing_neighbour
        return max(self.min_smoothing_neighbours, min(self.neighbours, scaled))

    def grouping_threshold(self) -> float:
        """The join threshold of the backend in use."""
        if self.embedder is None:
            return self.similarity_threshold
        return self.semantic_similarity_threshold

    def joining_threshold(self) -> float:
        """The assign threshold (a new request joins a theme) of the backend in use."""
        if self.embedder is None:
            return self.assign_threshold
        return self.semantic_assign_threshold


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    """Weights of the score components and the scoring framework.

    ``framework``: ``"default"`` (weighted sum of the components), ``"rice"``
    (reach × impact × confidence ÷ effort) or ``"wsjf"`` (cost of delay ÷ job size).
    """

    framework: Framework = "default"
    # component weights of the default framework (they need not sum to 1)
    weight_demand: float = 0.35
    weight_pain: float = 0.20
    weight_alignment: float = 0.30
    weight_satisfaction: float = 0.15
    #: Tied drivers (scoring.drivers); the component shows only for a theme tied to a
    #: driver with published figures.
    weight_drivers: float = 0.15
    # demand
    half_life_days: float = 90.0
    #: Number of (recency-weighted) people at which reach reaches half its maximum.
    people_half_point: float = 8.0
    #: Number of distinct domains at which breadth reaches half its maximum.
    domains_half_point: float = 2.0
    #: Within demand: share of reach (people) versus breadth (domains).
    breadth_share: float = 0.35
    #: A vote counts this much of a request (requesters say more than a +1).
    vote_weight: float = 0.5
    # pain
    default_pain: float = 3.0
    # alignment
    #: An explicit objective tag on a request counts this much (text fit adds the rest).
    tag_share: float = 0.6
    #: Text similarity (0..1) that counts as a full text fit (by words: the ``tfidf``
    #: backend, or an objective without an embedding).
    full_text_fit: float = 0.35
    #: By meaning (sentence embeddings): the cosine at which an objective fits fully …
    full_meaning_fit: float = 0.45
    #: … and the cosine at or below which it does not fit at all. Unrelated requests and
    #: objectives sit at 0–0.15 with all-MiniLM-L6-v2; clearly related ones at 0.4–0.65
    #: (measured on the sample workspace's intents and objectives).
    meaning_floor: float = 0.15
    # satisfaction
    #: Pulse mentions at which the signal reaches half its maximum.
    mentions_half_point: float = 3.0
    # drivers
    #: A theme is suggested for a driver when the cosine between the theme's direction and
    #: the embedding of the driver's name and description is at least this (by meaning
    #: only; unrelated texts sit at 0–0.15 with all-MiniLM-L6-v2, related ones 0.4–0.65).
    driver_suggest_at: float = 0.40
    # effort and confidence
    effort_sizes: tuple[tuple[str, float], ...] = DEFAULT_EFFORT_SIZES
    #: Confidence assumed when a PM has not set one (RICE and the default framework).
    default_confidence: float = 0.8
    #: In the default framework, multiply by confidence and divide by effort^this
    #: once a PM has set them (0 = ignore effort).
    effort_exponent: float = 0.5
    # strength words for objectives ("serves X strongly")
    strongly_at: float = 0.66
    moderately_at: float = 0.33
    slightly_at: float = 0.10
    themes: ThemeConfig = field(default_factory=ThemeConfig)
