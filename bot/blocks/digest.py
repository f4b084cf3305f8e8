"""The digest message: header, ranked themes, what shipped and what is planned."""

from __future__ import annotations

from typing import Any

from bot.blocks.text import plural, safe
from bot.services.digest import DigestView, StatusNews
from bot.services.roadmap import RoadmapEntry

MAX_BLOCKS = 50
SECTION_TEXT_LIMIT = 3000
LABEL_LIMIT = 120
WHY_LIMIT = 300
NEWS_SHOWN = 5

STATUS_WORDS = {
    "open": "open",
    "planned": "planned",
    "in_progress": "in progress",
    "shipped": "shipped",
    "declined": "declined",
}

Block = dict[str, Any]


def digest_blocks(view: DigestView) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": safe_plain(view.title, 150)}},
        context(
            f"{safe(view.period_label, 200)} · {plural(view.requests_this_period, 'new request')}"
            f" · {plural(view.total_themes, 'theme')} ranked"
        ),
    ]
    if not view.entries:
        blocks.append(section("No requests yet. Ask for something with `/feedback`."))
    for entry in view.entries:
        blocks.append(section(entry_text(entry)))
    hidden = view.total_themes - len(view.entries)
    if hidden > 0:
        blocks.append(context(f"and {plural(hidden, 'more theme')} — `/roadmap` shows them all"))
    blocks.extend(news_section("Shipped since last digest", view.shipped))
    blocks.extend(news_section("Newly planned", view.planned))
    return blocks[:MAX_BLOCKS]


def entry_text(entry: RoadmapEntry) -> str:
    lines = [
        f"*{entry.position}. {safe(entry.label, LABEL_LIMIT)}*  `{entry.score:.1f}`  {entry.trend}",
        f"_{safe(entry.why, WHY_LIMIT)}_",
        " · ".join(
            part
            for part in (
                plural(entry.requesters, "requester"),
                plural(entry.voters, "vote"),
                plural(len(entry.domains), "domain"),
                STATUS_WORDS.get(entry.status, entry.status),
                f"effort {entry.effort}" if entry.effort else "",
            )
            if part
        ),
    ]
    if entry.objectives:
        served = ", ".join(f"{safe(name, 60)} ({strength})" for name, strength in entry.objectives)
        lines.append(f"Serves: {served}")
    return "\n".join(lines)[:SECTION_TEXT_LIMIT]


def news_section(title: str, news: tuple[StatusNews, ...]) -> list[Block]:
    if not news:
        return []
    lines = [
        f"• *{safe(item.label, LABEL_LIMIT)}*" + (f" — {safe(item.note, 200)}" if item.note else "")
        for item in news[:NEWS_SHOWN]
    ]
    if len(news) > NEWS_SHOWN:
        lines.append(f"and {len(news) - NEWS_SHOWN} more")
    return [{"type": "divider"}, section(f"*{title}*\n" + "\n".join(lines))]


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT_LIMIT]}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def safe_plain(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
