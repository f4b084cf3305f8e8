"""Pure domain logic: themes of similar requests, scores against objectives, ranking.

No I/O, no Slack, no database (DESIGN.md). The bot maps rows onto the types in
``scoring.models`` and calls the functions exported here.
"""

from scoring.config import ScoringConfig, ThemeConfig
from scoring.content import has_content
from scoring.index import ThemeIndex
from scoring.labels import clean_label, theme_label
from scoring.models import (
    DriverGap,
    Match,
    Objective,
    RankedTheme,
    RequestDoc,
    RequestFact,
    ScoreComponent,
    ThemeFacts,
    ThemeGroup,
    ThemeScore,
    ThemeState,
    Trend,
    VoteFact,
)
from scoring.rank import rank, snapshot
from scoring.score import score_theme
from scoring.themes import cluster, cluster_texts

__all__ = [
    "DriverGap",
    "Match",
    "Objective",
    "RankedTheme",
    "RequestDoc",
    "RequestFact",
    "ScoreComponent",
    "ScoringConfig",
    "ThemeConfig",
    "ThemeFacts",
    "ThemeGroup",
    "ThemeIndex",
    "ThemeScore",
    "ThemeState",
    "Trend",
    "VoteFact",
    "clean_label",
    "cluster",
    "cluster_texts",
    "has_content",
    "rank",
    "score_theme",
    "snapshot",
    "theme_label",
]
