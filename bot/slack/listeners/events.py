"""Events: the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.slack.listeners.replies import refresh_home


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)


def publish_home(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    if event.get("tab", "home") != "home":
        return
    refresh_home(context, client, body["team_id"], event["user"])
