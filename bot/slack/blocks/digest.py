"""The digest message: ranked themes with +1 and Details, what shipped, what is planned.

Slack refuses a message over 50 blocks and a section over 3,000 characters, and
truncates long messages; the builder stays inside those limits by showing fewer themes
and saying "and N more", never by failing.
"""

from __future__ import annotations

from bot.services.digest_views import DigestView, ProductKpis, StatusNews
from bot.services.roadmap.views import RoadmapEntry
from bot.slack.blocks.driver_results import outcome_lines
from bot.slack.blocks.elements import Block, actions, button, context, section, vote_button
from bot.slack.blocks.followup import summary_text
from bot.slack.blocks.ids import THEME_DETAILS_ACTION
from bot.slack.blocks.objective_kpis import objective_kpi_blocks
from bot.slack.blocks.pulse import results_blocks
from bot.slack.blocks.text import (
    DATE,
    DAY,
    backers_text,
    plural,
    safe,
    slack_date,
    status_words,
    theme_name,
)
from bot.slack.blocks.theme import link_text
from bot.slack.blocks.time_to_market import ship_time_phrase

MAX_BLOCKS = 50
MAX_TEXT_CHARS = 10_000
LABEL_LIMIT = 120
WHY_LIMIT = 300
NEWS_SHOWN = 5
BLOCKS_PER_THEME = 2
TEXT_TYPES = {"mrkdwn", "plain_text"}


def digest_blocks(view: DigestView) -> list[Block]:
    head = header_blocks(view)
    tail = [
        *news_blocks("Shipped since last digest", view.shipped),
        *news_blocks("Did it help? (drivers before and after shipping)", view.helped),
        *news_blocks("Newly planned", view.planned),
        *pulse_blocks(view),
        *objective_kpi_blocks(view.objectives, "since the last digest"),
        *kpi_blocks(view.kpis),
    ]
    room = (MAX_BLOCKS - len(head) - len(tail) - 1) // BLOCKS_PER_THEME
    entries = list(view.entries[: max(0, room)])
    while True:
        body = [b for entry in entries for b in theme_blocks(entry)]
        hidden = view.total_themes - len(entries)
        more = [context(f"and {plural(hidden, 'more theme')} · `/roadmap` shows them all")]
        blocks = head + body + (more if hidden > 0 else []) + tail
        if not entries or text_size(blocks) <= MAX_TEXT_CHARS:
            return blocks
        entries.pop()


def digest_text(view: DigestView) -> str:
    """The message's notification text: its title and period, escaped."""
    return f"{safe(view.title, 150)}: {safe(view.period_label, 200)}"


def header_blocks(view: DigestView) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": view.title[:150]}},
        context(
            f"{period_text(view)} · "
            f"{plural(view.kpis.requests_this_period, 'new request')} · "
            f"{plural(view.total_themes, 'theme')} ranked"
        ),
    ]
    if not view.entries:
        blocks.append(section("No open requests yet. Ask for something with `/feedback`."))
    return blocks


def period_text(view: DigestView) -> str:
    """The period in each reader's own time zone; the label where no start is known."""
    if view.since is None:
        return safe(view.period_label, 200)
    return f"{slack_date(view.since, DAY)} – {slack_date(view.generated_at, DATE)}"


def theme_blocks(entry: RoadmapEntry) -> list[Block]:
    return [
        section(entry_text(entry)),
        actions(
            vote_button(entry.theme_id),
            button("Details", THEME_DETAILS_ACTION, str(entry.theme_id)),
        ),
    ]


def entry_text(entry: RoadmapEntry) -> str:
    counts = [
        f"{backers_text(entry.backers)} ({entry.requesters} asked, {entry.voters} +1)",
        plural(len(entry.domains), "domain"),
        status_words(entry.status),
    ]
    if entry.effort:
        counts.append(f"effort {entry.effort}")
    lines = [
        f"*{entry.position}. {theme_name(entry.theme_id, entry.label, LABEL_LIMIT)}*  "
        f"`{entry.score:.2f}`  {entry.trend}",
        f"_{safe(entry.why, WHY_LIMIT)}_",
        " · ".join(counts),
    ]
    if entry.objectives:
        served = ", ".join(f"{safe(name, 60)} ({strength})" for name, strength in entry.objectives)
        lines.append(f"Serves: {served}")
    if entry.links:
        lines.append("Delivery: " + "; ".join(link_text(link) for link in entry.links[:3]))
    return "\n".join(lines)


def news_blocks(title: str, news: tuple[StatusNews, ...]) -> list[Block]:
    if not news:
        return []
    lines = []
    for item in news[:NEWS_SHOWN]:
        note = f" — {safe(item.note, 200)}" if item.note else ""
        lines.append(f"• *{theme_name(item.theme_id, item.label, LABEL_LIMIT)}*{note}")
        if item.followup is not None and item.followup.answers:
            lines.append(f"   _{summary_text(item.followup)}_")
        if item.outcome is not None:
            lines += [f"   _{line}_" for line in outcome_lines(item.outcome)]
    if len(news) > NEWS_SHOWN:
        lines.append(f"and {len(news) - NEWS_SHOWN} more")
    return [{"type": "divider"}, section(f"*{title}*\n" + "\n".join(lines))]


def pulse_blocks(view: DigestView) -> list[Block]:
    """The satisfaction pulse summary, once a round has run (anonymity rules inside)."""
    if view.pulse is None:
        return []
    return [
        {"type": "divider"},
        section("*Developer satisfaction*"),
        *results_blocks(view.pulse, compact=True),
    ]


def kpi_blocks(kpis: ProductKpis) -> list[Block]:
    parts = []
    shipped = ship_time_phrase(kpis.time_to_market.overall, "the period before")
    if shipped is not None:
        parts.append(shipped)
    parts.append(plural(kpis.themes_shipped_this_period, "theme") + " shipped this period")
    if kpis.satisfaction is not None:
        parts.append(
            f"developer satisfaction {kpis.satisfaction:.1f}/5 "
            f"({plural(kpis.satisfaction_answers, 'answer')})"
        )
    return [context(" · ".join(parts))]


def text_size(node: object) -> int:
    """Characters of text a person reads in the blocks (what Slack's length limits count)."""
    if isinstance(node, list):
        return sum(text_size(item) for item in node)
    if not isinstance(node, dict):
        return 0
    own = len(node["text"]) if node.get("type") in TEXT_TYPES and "text" in node else 0
    return own + sum(text_size(value) for value in node.values() if isinstance(value, dict | list))
