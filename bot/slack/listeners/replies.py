"""Answering a person from a listener, whatever surface they used."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services.home import admin_threshold, home_view
from bot.slack.blocks.elements import Block
from bot.slack.blocks.home import home_tab
from bot.slack.calls import send_safely
from bot.slack.context import deps_of
from storage.unit_of_work import unit_of_work


def show_modal(client: WebClient, trigger_id: str, modal: Block, what: str) -> None:
    send_safely(what, lambda: client.views_open(trigger_id=trigger_id, view=modal))


def refresh_home(context: BoltContext, client: WebClient, team_id: str, user_id: str) -> None:
    """Publish the person's App Home tab as it is now."""
    deps = deps_of(context)
    with unit_of_work(deps.session_factory, team_id) as uow:
        view = home_view(
            uow,
            user_id,
            datetime.now(UTC),
            config=deps.scoring,
            pulse_threshold=admin_threshold(deps.settings, user_id),
            anonymity=deps.settings.pulse_anonymity,
        )
    send_safely("home view", lambda: client.views_publish(user_id=user_id, view=home_tab(view)))
