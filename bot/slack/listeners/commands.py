"""The /feedback command."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.runtime.deps import Deps
from bot.services.errors import UserFacingError
from bot.services.forms import form_choices
from bot.services.requests import ACK_WRITE_TIMEOUT_SECONDS, BUSY, NewRequest, log_request
from bot.slack.blocks.feedback import FormOrigin, feedback_modal, logged_reply
from bot.slack.blocks.replies import FEEDBACK_HELP, error_blocks, error_text, text_blocks
from bot.slack.listeners.replies import send_safely
from storage.db import unit_of_work
from storage.enums import RequestSource
from storage.errors import DatabaseBusyError

logger = logging.getLogger(__name__)

HELP_WORDS = {"help", "-h", "--help", "?"}


def command_key(command: dict[str, Any]) -> str:
    return f"command:{command['team_id']}:{command['trigger_id']}"


def wants_help(text: str) -> bool:
    return text.strip().lower() in HELP_WORDS


def register(app: App, deps: Deps) -> None:
    @app.command("/feedback")
    def feedback(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        """Store the request and answer at once; the placement worker then puts it in a
        theme and replaces the answer with one that names the theme and similar asks.

        The write waits at most ``ACK_WRITE_TIMEOUT_SECONDS`` for another writer, then the
        answer is "busy" with nothing stored, so Slack's retry (same key) stores it once."""
        text = command.get("text", "")
        if not text.strip():
            ack()
            open_modal(client, command)
            return
        if wants_help(text):
            ack(response_type="ephemeral", blocks=text_blocks(FEEDBACK_HELP), text="/feedback help")
            return
        new = NewRequest(
            workspace_id=command["team_id"],
            requester_slack_id=command["user_id"],
            text=text,
            source=RequestSource.COMMAND,
            idempotency_key=command_key(command),
            confirm_to=command["user_id"],
            response_url=command.get("response_url"),
        )
        try:
            with unit_of_work(deps.session_factory, ACK_WRITE_TIMEOUT_SECONDS) as session:
                logged = log_request(session, new)
        except (UserFacingError, DatabaseBusyError) as error:
            said = BUSY if isinstance(error, DatabaseBusyError) else str(error)
            ack(response_type="ephemeral", blocks=error_blocks(said), text=error_text(said))
            return
        ack(
            response_type="ephemeral",
            text=f"Logged as #{logged.id}",
            blocks=logged_reply(logged.id, logged.title, None, (), pending=logged.created),
        )
        if logged.created:
            deps.placement_queued()

    def open_modal(client: WebClient, command: dict[str, Any]) -> None:
        with unit_of_work(deps.session_factory) as session:
            choices = form_choices(session, command["team_id"], command["user_id"])
        origin = FormOrigin(source=RequestSource.COMMAND.value)
        send_safely(
            "feedback modal",
            lambda: client.views_open(
                trigger_id=command["trigger_id"], view=feedback_modal(choices, origin)
            ),
        )
