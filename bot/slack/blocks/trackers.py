"""DMs to a PM about linked tracker items: a status they call for, an item that won't ship."""

from __future__ import annotations

from bot.services.roadmap.views import ItemWontShip, StatusProposal
from bot.slack.blocks.elements import Block, actions, button, context, section
from bot.slack.blocks.ids import FOLLOW_CONFIRM_ACTION, FOLLOW_DISMISS_ACTION
from bot.slack.blocks.text import safe, status_words, theme_name

WONT_SHIP_WORDS = {"not_planned": "was closed as not planned", "closed": "was closed unmerged"}


def proposal_text(proposal: StatusProposal) -> str:
    status = status_words(proposal.status)
    if proposal.status == "shipped":
        why = "All linked items are done"
    else:
        why = "Work has started on a linked item"
    return f"{why}: mark {theme_name(proposal.theme_id, proposal.label, 150)} {status}?"


def proposal_blocks(proposal: StatusProposal) -> list[Block]:
    status = status_words(proposal.status)
    items = "\n".join(f"• {safe(item, 200)}" for item in proposal.items[:20])
    if len(proposal.items) > 20:
        items += f"\n• and {len(proposal.items) - 20} more"
    value = f"{proposal.theme_id}:{proposal.status}"
    return [
        section(f"*{proposal_text(proposal)}*\n{items}"),
        actions(
            button(f"Mark #{proposal.theme_id} {status}", FOLLOW_CONFIRM_ACTION, value, "primary"),
            button("Not now", FOLLOW_DISMISS_ACTION, value),
        ),
        context(
            "Everyone who asked or gave +1 hears about it when you mark it. "
            "`/roadmap theme N` shows the links."
        ),
    ]


def wont_ship_text(notice: ItemWontShip) -> str:
    what = WONT_SHIP_WORDS.get(notice.state, f"ended as {notice.state}")
    return (
        f"{safe(notice.item, 200)} {what}: {theme_name(notice.theme_id, notice.label, 150)} "
        "will not be marked shipped while it is linked."
    )


def wont_ship_blocks(notice: ItemWontShip) -> list[Block]:
    return [
        section(f"{wont_ship_text(notice)}\n<{notice.url}|Open {safe(notice.item, 200)}>"),
        context(
            f"Unlink it with `/roadmap unlink {notice.theme_id} <URL>`, link the item that "
            f"replaces it, or decline the theme with `/roadmap status {notice.theme_id} "
            "declined <reason>`."
        ),
    ]
