"""Direct messages that close the loop on a request."""

from __future__ import annotations

from bot.slack.blocks.elements import Block, context, section
from bot.slack.blocks.text import safe, theme_name

HEADLINES = {
    "planned": ":calendar: Something you asked for is *planned*",
    "in_progress": ":hammer_and_wrench: Work has *started* on something you asked for",
    "shipped": ":tada: Something you asked for has *shipped*",
    "declined": "Something you asked for was *declined*",
    "open": "Something you asked for is *open* again",
}


def status_notice_text(theme_id: int, label: str, status: str, note: str) -> str:
    lines = [HEADLINES.get(status, f"Status: {status}"), f"*{theme_name(theme_id, label, 200)}*"]
    if note:
        heading = "Why" if status == "declined" else "Note from the team"
        lines.append(f"{heading}: {safe(note, 1500)}")
    return "\n".join(lines)


def status_notice_blocks(text: str) -> list[Block]:
    return [section(text), context("`/roadmap mine` shows all your requests.")]
