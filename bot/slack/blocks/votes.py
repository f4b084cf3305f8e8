"""What a person is told after a +1."""

from __future__ import annotations

from bot.services.vote_views import VoteOutcome, VoteResult
from bot.slack.blocks.text import backers_text, theme_name


def vote_message(result: VoteResult) -> str:
    label = theme_name(result.theme_id, result.theme_label, 150)
    backers = f"{backers_text(result.backers)} now."
    if result.outcome == VoteOutcome.ADDED:
        return f":thumbsup: You back *{label}*. {backers}"
    if result.outcome == VoteOutcome.REMOVED:
        return f"Your +1 for *{label}* is taken back. {backers}"
    if result.outcome == VoteOutcome.OWN_REQUEST:
        return (
            f"*{label}* includes your own request, so it already counts you — "
            "thanks for caring twice!"
        )
    return f"Your +1 for *{label}* was already recorded. {backers}"
