"""Block Kit for the "did it meet the need?" follow-up after a theme ships."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.blocks.elements import Block, actions, button, context, plain, section
from bot.blocks.text import safe

if TYPE_CHECKING:
    from bot.services.followups import FollowupSummary, FollowupView

ANSWER_ACTION_PREFIX = "followup_answer_"  # followup_answer_yes | _partly | _no
COMMENT_ACTION = "followup_comment_open"
COMMENT_MODAL = "followup_comment_modal"
COMMENT_BLOCK, COMMENT_INPUT = "followup_comment", "followup_comment_input"
ANSWER_WORDS = {"yes": "Yes", "partly": "Partly", "no": "No"}
LABEL_LIMIT = 150


def answer_buttons(followup_id: int, chosen: str | None = None) -> Block:
    block = actions(
        *(
            button(
                word,
                f"{ANSWER_ACTION_PREFIX}{key}",
                f"{followup_id}:{key}",
                "primary" if key == chosen else None,
            )
            for key, word in ANSWER_WORDS.items()
        )
    )
    block["block_id"] = "followup_answers"
    return block


def followup_dm_blocks(followup_id: int, theme_label: str) -> list[Block]:
    return [
        section(
            f":package: *{safe(theme_label, LABEL_LIMIT)}* shipped a little while ago. "
            "Did it solve what you asked for?"
        ),
        answer_buttons(followup_id),
        context("A “no” puts your need back on the roadmap as a follow-up request."),
    ]


def followup_thanks_blocks(view: FollowupView) -> list[Block]:
    lines = [
        f":pray: Thanks! You said *{ANSWER_WORDS.get(view.answer, view.answer)}* "
        f"for *{safe(view.theme_label, LABEL_LIMIT)}*."
    ]
    if view.request_id is not None and view.answer == "no":
        lines.append(f"Your need is back on the roadmap as request *#{view.request_id}*.")
    if view.comment:
        lines.append(f"Your comment: _{safe(view.comment, 400)}_")
    return [
        section("\n".join(lines)),
        answer_buttons(view.followup_id, view.answer),
        actions(
            button(
                "Edit comment" if view.comment else "Add a comment",
                COMMENT_ACTION,
                str(view.followup_id),
            )
        ),
    ]


def followup_comment_modal(followup_id: int, existing: str | None, channel: str, ts: str) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": COMMENT_INPUT,
        "multiline": True,
        "max_length": 2000,
    }
    if existing:
        element["initial_value"] = existing[:2000]
    return {
        "type": "modal",
        "callback_id": COMMENT_MODAL,
        "private_metadata": json.dumps({"followup": followup_id, "channel": channel, "ts": ts}),
        "title": plain("Your comment", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "label": plain("What is still missing, or what worked?"),
                "element": element,
                "optional": True,
            }
        ],
    }


def summary_text(summary: FollowupSummary) -> str:
    """One line for the theme view and the digest: counts, no names."""
    return f"Did it meet the need? {summary.yes} yes · {summary.partly} partly · {summary.no} no"
