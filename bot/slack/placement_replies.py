"""The answer to a request once it is placed: its theme and similar asks, in place of the
"Logged as request N" the ack gave.

It goes through the command's response_url when the request has one (replacing the
first answer), else by DM. A lost answer loses no data: the request and its theme are
stored already.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.services.themes.placement import Placed
from bot.slack.blocks.feedback import logged_reply
from bot.slack.calls import send_safely
from bot.slack.response_urls import ResponseUrls


class PlacementReplies:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.response_urls = ResponseUrls.for_api(client.base_url)

    def send(self, placed: Placed) -> None:
        """Tell the asker where their request landed, where they asked."""
        placement = placed.placement
        blocks = logged_reply(
            placed.request_id,
            placement.request_title,
            placement.theme_label,
            placement.suggestions,
            theme_id=placement.theme_id,
        )
        text = f"Logged as request {placed.request_id}"
        if placed.response_url is None:
            send_safely(
                "confirmation DM",
                lambda: self.client.chat_postMessage(
                    channel=placed.reply_to, blocks=blocks, text=text
                ),
            )
            return
        webhook = self.response_urls.client(
            placed.response_url,
            retry_handlers=[RateLimitErrorRetryHandler(2), ServerErrorRetryHandler(2)],
        )
        if webhook is None:
            return
        send_safely(
            "ephemeral reply",
            lambda: webhook.send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=True
            ),
        )
