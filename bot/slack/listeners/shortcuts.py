"""The message shortcut "Log as feature request"."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services.forms import form_choices
from bot.services.requests import split_title
from bot.slack.blocks.feedback import FormOrigin, feedback_modal
from bot.slack.blocks.ids import MESSAGE_SHORTCUT
from bot.slack.context import deps_of
from bot.slack.listeners.replies import show_modal
from storage.enums import RequestSource
from storage.unit_of_work import unit_of_work


def register(app: App) -> None:
    app.shortcut(MESSAGE_SHORTCUT)(open_prefilled_modal)


def open_prefilled_modal(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The modal, prefilled from the message (after the ack); its author will be the
    requester."""
    ack()
    message = body.get("message", {})
    requester = message.get("user") or body["user"]["id"]
    text = message.get("text", "")
    title, _ = split_title(text) if text.strip() else ("", "")
    with unit_of_work(deps_of(context).session_factory, body["team"]["id"]) as uow:
        choices = form_choices(uow, requester)
    origin = FormOrigin(
        source=RequestSource.SHORTCUT.value,
        requester=requester,
        channel=body.get("channel", {}).get("id"),
        message_ts=message.get("ts"),
    )
    modal = feedback_modal(choices, origin, title=title, details=text)
    show_modal(client, body["trigger_id"], modal, "prefilled feedback modal")
