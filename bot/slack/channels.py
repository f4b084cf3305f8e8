"""Whether the app can post to a channel: asked before an admin relies on it."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


def cannot_post_in(client: WebClient, channel: str) -> bool:
    """True when the bot is not a member of ``channel`` (or Slack does not show it the
    channel at all): with `chat:write` alone, a post there would fail with not_in_channel."""
    try:
        info = client.conversations_info(channel=channel)
    except SlackApiError:
        return True
    return not bool((info.get("channel") or {}).get("is_member"))
