"""Block Kit for the "did it meet the need?" follow-up after a theme ships."""

from __future__ import annotations

from bot.services.followup_views import FollowupSummary, FollowupView
from bot.services.pulses.anonymity import FOLLOWUP_ANSWER_PREFIX as ANSWER_ACTION_PREFIX
from bot.slack.blocks.elements import (
    Block,
    CommentForm,
    actions,
    button,
    comment_modal,
    context,
    section,
)
from bot.slack.blocks.text import safe, theme_name

COMMENT_ACTION = "followup_comment_open"
REOPEN_ACTION = "followup_reopen"
COMMENT_MODAL = "followup_comment_modal"
COMMENT_BLOCK, COMMENT_INPUT = "followup_comment", "followup_comment_input"
ANSWER_WORDS = {"yes": "Yes", "partly": "Partly", "no": "No"}
LABEL_LIMIT = 150


def answer_buttons(followup_id: int, chosen: str | None = None) -> Block:
    return actions(
        *(
            button(
                word,
                f"{ANSWER_ACTION_PREFIX}{key}",
                f"{followup_id}:{key}",
                "primary" if key == chosen else None,
            )
            for key, word in ANSWER_WORDS.items()
        ),
        block_id="followup_answers",
    )


def followup_dm_text(theme_id: int, theme_label: str) -> str:
    """The DM's notification text (mrkdwn, like its blocks)."""
    name = theme_name(theme_id, theme_label, LABEL_LIMIT)
    return f"“{name}” shipped. Did it solve what you asked for?"


def followup_dm_blocks(followup_id: int, theme_id: int, theme_label: str) -> list[Block]:
    return [
        section(
            f":package: *{theme_name(theme_id, theme_label, LABEL_LIMIT)}* shipped a little "
            "while ago. "
            "Did it solve what you asked for?"
        ),
        answer_buttons(followup_id),
        context(
            "Anonymous: counts and comments show only once the question has closed, for "
            "groups of several people. After a “no” you can put your need back on the roadmap."
        ),
    ]


def followup_thanks_blocks(view: FollowupView) -> list[Block]:
    lines = [
        f":pray: Thanks! You said *{ANSWER_WORDS.get(view.answer, view.answer)}* "
        f"for *{theme_name(view.theme_id, view.theme_label, LABEL_LIMIT)}*."
    ]
    buttons = [
        button(
            "Edit comment" if view.comment else "Add a comment",
            COMMENT_ACTION,
            str(view.followup_id),
        )
    ]
    if view.request_id is not None and view.answer == "no":
        lines.append(f"Your need is back on the roadmap as request *{view.request_id}*.")
    elif view.answer == "no":
        buttons.append(button("Put it back on the roadmap", REOPEN_ACTION, str(view.followup_id)))
    if view.comment:
        lines.append(f"Your comment: _{safe(view.comment, 400)}_")
    shown = [
        section("\n".join(lines)),
        answer_buttons(view.followup_id, view.answer),
        actions(*buttons),
    ]
    if view.answer == "no" and view.request_id is None:
        shown.append(
            context("Putting it back on the roadmap opens a request with your name on it.")
        )
    return shown


FOLLOWUP_COMMENT_FORM = CommentForm(
    COMMENT_MODAL, COMMENT_BLOCK, COMMENT_INPUT, "What is still missing, or what worked?"
)


def followup_comment_modal(followup_id: int, existing: str | None, channel: str, ts: str) -> Block:
    metadata = {"followup": followup_id, "channel": channel, "ts": ts}
    return comment_modal(FOLLOWUP_COMMENT_FORM, metadata, existing)


def summary_text(summary: FollowupSummary) -> str:
    """One line for the theme view and the digest: counts, no names."""
    return f"Did it meet the need? {summary.yes} yes · {summary.partly} partly · {summary.no} no"
