"""The digest builder: Slack's limits hold with 500 themes; user text never pings."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.models.blocks import Block

from bot.services.digest_views import (
    DigestView,
    ProductKpis,
    StatusNews,
    TimeToMarket,
    TimeToMarketFigures,
)
from bot.services.roadmap.views import RoadmapEntry
from bot.slack.blocks.digest import MAX_BLOCKS, digest_blocks, text_size
from scoring.models import ScoreComponent

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
METRICS = ProductKpis(
    TimeToMarket(TimeToMarketFigures(2, 42.0, None, None, 0, 3, 49.0)), 17, 2, 3.6, 40
)


def entry(position: int, label: str = "", why: str = "") -> RoadmapEntry:
    return RoadmapEntry(
        theme_id=position,
        position=position,
        label=label or f"Theme {position}: faster builds for everyone " * 4,
        status="open",
        score=100 - position / 10,
        why=why or "14 people in 4 domains, serves 'Faster time-to-market' strongly, high pain",
        trend="▲2",
        requesters=14,
        voters=9,
        domains=("ci", "deploys", "data-catalog", "streaming"),
        objectives=(("Faster time-to-market", "strongly"), ("Reliability", "slightly")),
        effort="M",
        components=(ScoreComponent("demand", 0.8, 0.4, 0.32, "14 people"),),
    )


def view(count: int, **overrides: object) -> DigestView:
    values: dict = {
        "title": "Platform roadmap",
        "period_label": "16 Nov – 23 Nov 2026",
        "entries": tuple(entry(i) for i in range(1, count + 1)),
        "total_themes": count,
        "shipped": tuple(StatusNews(i, f"Shipped thing {i}", "thanks all", NOW) for i in range(8)),
        "planned": tuple(StatusNews(i, f"Planned thing {i}", "", NOW) for i in range(3)),
        "kpis": METRICS,
        "generated_at": NOW,
    }
    values.update(overrides)
    return DigestView(**values)


def validate(blocks: list[dict]) -> None:
    for block in blocks:
        Block.parse(block).validate_json()


def test_five_hundred_themes_fit_slacks_limits_with_and_n_more() -> None:
    blocks = digest_blocks(view(500))
    validate(blocks)
    assert len(blocks) <= MAX_BLOCKS
    assert text_size(blocks) < 12_000
    texts = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert any(t.startswith("and ") and "more theme" in t for t in texts)


def test_each_theme_has_a_vote_and_a_details_button() -> None:
    blocks = digest_blocks(view(3))
    validate(blocks)
    action_blocks = [b for b in blocks if b["type"] == "actions"]
    assert len(action_blocks) == 3
    assert [e["action_id"] for e in action_blocks[0]["elements"]] == ["vote_theme", "theme_details"]


def test_shipped_and_planned_lists_are_truncated_with_and_n_more() -> None:
    text = str(digest_blocks(view(2)))
    assert "Shipped since last digest" in text
    assert "and 3 more" in text
    assert "Newly planned" in text
    assert "median 42 days from first ask to shipped (7 days faster than the period before)" in text
    assert "developer satisfaction 3.6/5" in text


def test_user_text_is_escaped() -> None:
    hostile = entry(1, label="<!channel> deploys <@U0BOSS> & <http://x|y>")
    blocks = digest_blocks(view(1, entries=(hostile,), total_themes=1))
    section = blocks[2]["text"]["text"]
    assert "<!channel>" not in section
    assert "&lt;!channel&gt;" in section
    assert "&amp;" in section


def test_an_empty_roadmap_says_how_to_start() -> None:
    blocks = digest_blocks(view(0, shipped=(), planned=()))
    validate(blocks)
    assert "/feedback" in str(blocks)
