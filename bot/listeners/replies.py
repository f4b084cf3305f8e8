"""Answering a person from a listener, whatever surface they used."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.elements import Block

logger = logging.getLogger(__name__)


def send_safely(what: str, send: Callable[[], Any]) -> bool:
    """Run one Slack call; a failure (after the client's own retries) is logged, not raised.

    Data is always stored before a reply is attempted, so a lost reply loses no data.
    """
    try:
        send()
    except (SlackApiError, OSError) as error:
        logger.warning("could not send %s: %s", what, error)
        return False
    return True


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
