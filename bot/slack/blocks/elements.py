"""Small Block Kit pieces used by several builders."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.slack.blocks.ids import VOTE_ACTION

Block = dict[str, Any]


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": shown, "emoji": True}


def option(text: str, value: str) -> Block:
    """A choice of a select, radio buttons or checkboxes."""
    return {"text": plain(text), "value": value[:150]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {"type": "button", "text": plain(text), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def vote_button(theme_id: int) -> Block:
    """A +1 for a theme (action ids need only be unique within their block)."""
    return button(":thumbsup: +1", VOTE_ACTION, str(theme_id))


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def one_to_five(action: str, value: str, chosen: int | None, block_id: str) -> Block:
    """The buttons 1 to 5 of a pulse answer, the chosen one primary: each action id is
    ``action`` and its number, each value ``value:number``."""
    buttons = [
        button(str(n), f"{action}{n}", f"{value}:{n}", "primary" if n == chosen else None)
        for n in range(1, 6)
    ]
    return actions(*buttons, block_id=block_id)


def input_block(block_id: str, label: str, element: Block, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }


def form_modal(
    callback_id: str, title: str, metadata: dict[str, Any], blocks: list[Block]
) -> Block:
    """A modal of input fields with Save and Cancel; ``metadata`` comes back on submit."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": plain(title, 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


#: Rows an admin's list shows (each a section: 40 stay well inside a message's 50 blocks).
MAX_LISTED = 40


@dataclass(frozen=True)
class AdminList:
    """A list an admin manages from Slack (domains, drivers): an intro, a line per item
    with Edit, and Add."""

    intro: str
    empty: str
    edit_action: str
    add_label: str
    add_action: str


def admin_list_blocks(shape: AdminList, rows: Sequence[tuple[int, str]]) -> list[Block]:
    """``rows``: (id, line) per item, in the order shown."""
    blocks: list[Block] = [section(shape.intro)]
    if not rows:
        blocks.append(context(shape.empty))
    for item_id, line in rows[:MAX_LISTED]:
        blocks.append(section(line, button("Edit", shape.edit_action, str(item_id))))
    if len(rows) > MAX_LISTED:
        blocks.append(context(f"and {len(rows) - MAX_LISTED} more"))
    blocks.append(actions(button(shape.add_label, shape.add_action, "new", "primary")))
    return blocks


def retire_checkbox(action_id: str, label: str, retired: bool) -> Block:
    """The Retire field of an admin list's modal: one option, ticked when it is retired."""
    retire = option(label, "yes")
    checkbox: Block = {"type": "checkboxes", "action_id": action_id, "options": [retire]}
    if retired:
        checkbox["initial_options"] = [retire]
    return checkbox


@dataclass(frozen=True)
class CommentForm:
    """A one-field modal for an optional free-text comment (pulse answers, follow-ups)."""

    callback_id: str
    block_id: str
    action_id: str
    label: str
    placeholder: str | None = None
    max_length: int = 2000


def comment_modal(form: CommentForm, metadata: dict[str, Any], existing: str | None) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": form.action_id,
        "multiline": True,
        "max_length": form.max_length,
    }
    if form.placeholder:
        element["placeholder"] = plain(form.placeholder)
    if existing:
        element["initial_value"] = existing[: form.max_length]
    field = input_block(form.block_id, form.label, element, optional=True)
    return form_modal(form.callback_id, "Your comment", metadata, [field])
