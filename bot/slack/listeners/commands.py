"""The /feedback command."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services.forms import form_choices
from bot.services.requests import ACK_WRITE_TIMEOUT_SECONDS, NewRequest, log_request
from bot.slack.blocks.feedback import FormOrigin, feedback_modal, logged_reply
from bot.slack.blocks.replies import FEEDBACK_HELP, text_blocks
from bot.slack.context import deps_of
from bot.slack.listeners.replies import show_modal
from storage.enums import RequestSource
from storage.unit_of_work import unit_of_work

HELP_WORDS = {"help", "-h", "--help", "?"}


def register(app: App) -> None:
    app.command("/feedback")(feedback)


def command_key(command: dict[str, Any]) -> str:
    return f"command:{command['team_id']}:{command['trigger_id']}"


def wants_help(text: str) -> bool:
    return text.strip().lower() in HELP_WORDS


def feedback(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Store the request and answer at once; the placement worker then puts it in a
    theme and replaces the answer with one that names the theme and similar asks.

    The write waits at most ``ACK_WRITE_TIMEOUT_SECONDS`` for another writer, then the
    answer is "busy" with nothing stored (by the error handler, as for any refusal), so
    Slack's retry (same key) stores it once."""
    text = command.get("text", "")
    if not text.strip():
        ack()
        open_modal(client, command, context)
        return
    if wants_help(text):
        ack(response_type="ephemeral", blocks=text_blocks(FEEDBACK_HELP), text="/feedback help")
        return
    deps = deps_of(context)
    with unit_of_work(
        deps.session_factory, command["team_id"], write_timeout=ACK_WRITE_TIMEOUT_SECONDS
    ) as uow:
        logged = log_request(uow, new_request(command))
    ack(
        response_type="ephemeral",
        text=f"Logged as request {logged.id}",
        blocks=logged_reply(logged.id, logged.title, None, (), pending=logged.created),
    )
    if logged.created:
        deps.placement_queued()


def new_request(command: dict[str, Any]) -> NewRequest:
    return NewRequest(
        requester_slack_id=command["user_id"],
        text=command.get("text", ""),
        source=RequestSource.COMMAND,
        idempotency_key=command_key(command),
        confirm_to=command["user_id"],
        response_url=command.get("response_url"),
    )


def open_modal(client: WebClient, command: dict[str, Any], context: BoltContext) -> None:
    with unit_of_work(deps_of(context).session_factory, command["team_id"]) as uow:
        choices = form_choices(uow, command["user_id"])
    modal = feedback_modal(choices, FormOrigin(source=RequestSource.COMMAND.value))
    show_modal(client, command["trigger_id"], modal, "feedback modal")
