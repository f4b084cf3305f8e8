"""Short ephemeral answers to commands."""

from __future__ import annotations

from bot.slack.blocks.elements import Block, section
from bot.slack.blocks.text import safe

FEEDBACK_HELP = (
    "*/feedback* — tell the platform team what would help you\n"
    "• `/feedback <what you need>` logs it straight away and shows similar asks\n"
    "• `/feedback help` shows this"
)


def text_blocks(mrkdwn: str) -> list[Block]:
    """A short mrkdwn answer; callers escape any user text they put in."""
    return [section(mrkdwn)]


def error_text(message: str) -> str:
    """An error's notification text: the message may quote what someone typed."""
    return safe(message, 2800)


def error_blocks(message: str) -> list[Block]:
    return text_blocks(f":warning: {safe(message, 2800)}")
