"""The feature request modal and the replies after a request is logged."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from bot.services.request_views import FormChoices, Suggestion
from bot.slack.blocks import ids
from bot.slack.blocks.elements import (
    Block,
    actions,
    button,
    context,
    input_block,
    option,
    plain,
    section,
)
from bot.slack.blocks.text import safe, theme_name

PAIN_WORDS = {
    1: "Minor annoyance",
    2: "Slows me down now and then",
    3: "Costs me time every week",
    4: "Blocks me regularly",
    5: "Blocks my team's work today",
}
TITLE_MAX = 150
DETAILS_MAX = 3000
MAX_OPTIONS = 100


@dataclass(frozen=True)
class FormOrigin:
    """Where the modal was opened; travels in the view's private_metadata."""

    source: str
    requester: str | None = None
    channel: str | None = None
    message_ts: str | None = None

    def to_metadata(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v})[:3000]

    @classmethod
    def from_metadata(cls, metadata: str) -> FormOrigin:
        values = json.loads(metadata or "{}")
        return cls(
            source=values.get("source", "home"),
            requester=values.get("requester"),
            channel=values.get("channel"),
            message_ts=values.get("message_ts"),
        )


def feedback_modal(
    choices: FormChoices, origin: FormOrigin, title: str = "", details: str = ""
) -> Block:
    blocks: list[Block] = [
        input_block(
            ids.TITLE_BLOCK,
            "What do you need?",
            {
                "type": "plain_text_input",
                "action_id": ids.TITLE_INPUT,
                "max_length": TITLE_MAX,
                "placeholder": plain("e.g. Cache dependencies between CI builds"),
                **({"initial_value": title[:TITLE_MAX]} if title else {}),
            },
        ),
        input_block(
            ids.DETAILS_BLOCK,
            "Details",
            {
                "type": "plain_text_input",
                "action_id": ids.DETAILS_INPUT,
                "multiline": True,
                "max_length": DETAILS_MAX,
                "placeholder": plain("What are you trying to do, and what gets in the way?"),
                **({"initial_value": details[:DETAILS_MAX]} if details else {}),
            },
            optional=True,
        ),
    ]
    if choices.domains:
        select: Block = {
            "type": "static_select",
            "action_id": ids.DOMAIN_INPUT,
            "placeholder": plain("Which part of the platform?"),
            "options": [option(d, d) for d in choices.domains[:MAX_OPTIONS]],
        }
        default = choices.default_domain
        if default is not None and default in choices.domains[:MAX_OPTIONS]:
            select["initial_option"] = option(default, default)
        blocks.append(input_block(ids.DOMAIN_BLOCK, "Domain", select))
    blocks.append(
        input_block(
            ids.PAIN_BLOCK,
            "How much does it hurt today?",
            {
                "type": "radio_buttons",
                "action_id": ids.PAIN_INPUT,
                "options": [option(f"{n} · {words}", str(n)) for n, words in PAIN_WORDS.items()],
            },
            optional=True,
        )
    )
    if choices.objectives:
        blocks.append(
            input_block(
                ids.OBJECTIVE_BLOCK,
                "Business objective it serves",
                {
                    "type": "static_select",
                    "action_id": ids.OBJECTIVE_INPUT,
                    "placeholder": plain("Optional"),
                    "options": [option(o, o) for o in choices.objectives[:MAX_OPTIONS]],
                },
                optional=True,
            )
        )
    if origin.source == "shortcut" and origin.channel and origin.message_ts:
        blocks.append(
            input_block(
                ids.THREAD_BLOCK,
                "Thread",
                {
                    "type": "checkboxes",
                    "action_id": ids.THREAD_INPUT,
                    "options": [option("Tell the thread it was logged", "yes")],
                },
                optional=True,
            )
        )
    return {
        "type": "modal",
        "callback_id": ids.FEEDBACK_MODAL,
        "title": plain("Feature request", 24),
        "submit": plain("Log it", 24),
        "close": plain("Cancel", 24),
        "private_metadata": origin.to_metadata(),
        "blocks": blocks,
    }


def logged_reply(
    request_id: int,
    title: str,
    theme_label: str | None,
    suggestions: Sequence[Suggestion],
    pending: bool = False,
    theme_id: int | None = None,
) -> list[Block]:
    """ "Logged as request N", its theme, and similar asks with a +1 instead button each."""
    blocks = [section(f":white_check_mark: Logged as request *{request_id}*: {safe(title, 300)}")]
    if theme_label:
        blocks.append(context(f"Part of the theme *{theme_name(theme_id, theme_label, 200)}*"))
    if pending:
        blocks.append(context("Looking for similar requests…"))
    if suggestions:
        blocks.append(
            section(
                "*Someone may have asked already.* If one of these is it, "
                "back it instead and your request is withdrawn:"
            )
        )
    for suggestion in suggestions[:3]:
        people = f"{suggestion.requesters} asked" if suggestion.requesters else ""
        blocks.append(
            section(
                f"*{theme_name(suggestion.theme_id, suggestion.label, 200)}*\n{people}",
                button(
                    "+1 instead", ids.VOTE_INSTEAD_ACTION, f"{request_id}:{suggestion.theme_id}"
                ),
            )
        )
    return blocks


def thread_note(request_id: int, logged_by: str) -> str:
    return f"Logged as feature request {request_id} by <@{logged_by}>."


def home_button() -> Block:
    return actions(button("Log a request", ids.OPEN_FEEDBACK_ACTION, "home", style="primary"))
