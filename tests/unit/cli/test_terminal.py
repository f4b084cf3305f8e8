"""The terminal digest names each theme by its id, with the rank in its own column."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from bot.cli.terminal import print_digest
from bot.services.digest_views import (
    DigestView,
    ProductKpis,
    StatusNews,
    TimeToMarket,
    TimeToMarketFigures,
)
from bot.services.roadmap.views import RoadmapEntry

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TOP = RoadmapEntry(
    theme_id=17,
    position=1,
    label="One-click deploy rollback",
    status="open",
    score=0.9,
    why="12 people in 3 domains",
    trend="=",
    requesters=12,
    voters=4,
    domains=("ci",),
    objectives=(),
    effort=None,
    components=(),
    request_count=12,
)


def test_the_terminal_digest_shows_rank_and_id() -> None:
    console = Console(record=True, width=160)
    view = DigestView(
        title="Platform roadmap",
        period_label="16 Nov – 23 Nov 2026",
        entries=(TOP,),
        total_themes=1,
        shipped=(StatusNews(5, "Remote build cache", "", NOW),),
        planned=(),
        kpis=ProductKpis(
            TimeToMarket(TimeToMarketFigures(1, None, None, None, 0, 0, None)), 0, 1, None, 0
        ),
        generated_at=NOW,
    )
    print_digest(view, console)
    text = console.export_text()
    assert "Rank" in text
    assert "#17" in text
    assert "One-click deploy rollback" in text
    assert "• #5 Remote build cache" in text
