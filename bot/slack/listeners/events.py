"""Events: the App Home tab."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.runtime.deps import Deps
from bot.services.home import admin_threshold, home_view
from bot.slack.blocks.home import home_tab
from bot.slack.listeners.replies import send_safely
from storage.db import unit_of_work


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def publish_home(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        with unit_of_work(deps.session_factory) as session:
            view = home_view(
                session,
                body["team_id"],
                user_id,
                datetime.now(UTC),
                config=deps.scoring,
                pulse_threshold=admin_threshold(deps.settings, user_id),
                anonymity=deps.settings.pulse_anonymity,
            )
        send_safely("home view", lambda: client.views_publish(user_id=user_id, view=home_tab(view)))
