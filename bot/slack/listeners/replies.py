"""Answering a person from a listener, whatever surface they used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.slack.blocks.elements import Block
from bot.slack.calls import send_safely


def tell(
    client: WebClient,
    respond: Callable[..., Any] | None,
    user_id: str,
    blocks: list[Block],
    text: str,
    replace_original: bool = False,
) -> bool:
    """An ephemeral answer through response_url when there is one, else a DM."""
    if respond is not None:
        return send_safely(
            "ephemeral reply",
            lambda: respond(
                blocks=blocks,
                text=text,
                response_type="ephemeral",
                replace_original=replace_original,
            ),
        )
    return send_safely(
        "direct message", lambda: client.chat_postMessage(channel=user_id, blocks=blocks, text=text)
    )
