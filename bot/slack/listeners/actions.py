"""Buttons: +1, "+1 instead", and "Log a request" on App Home.

A refused +1 is answered here rather than by the error handler: like every +1 answer it
goes where the click came from (the Home tab is refreshed, a modal gets a DM), which
the error handler, answering through the response URL or a notice modal, cannot do.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services.errors import UserFacingError
from bot.services.forms import form_choices
from bot.services.votes import toggle_vote, vote_instead
from bot.slack.blocks import ids
from bot.slack.blocks.elements import Block
from bot.slack.blocks.feedback import FormOrigin, feedback_modal
from bot.slack.blocks.replies import error_blocks, error_text, text_blocks
from bot.slack.blocks.votes import vote_message
from bot.slack.calls import send_safely
from bot.slack.context import deps_of
from bot.slack.listeners.replies import refresh_home, show_modal
from bot.slack.validation import whole_number
from storage.enums import RequestSource
from storage.unit_of_work import unit_of_work


def register(app: App) -> None:
    app.action(ids.VOTE_ACTION)(vote)
    app.action(ids.VOTE_INSTEAD_ACTION)(plus_one_instead)
    app.action(ids.OPEN_FEEDBACK_ACTION)(open_form)


def vote(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    theme_id = whole_number(action.get("value"))
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    key = f"action:{team_id}:{user_id}:{action.get('action_ts')}"
    try:
        if theme_id is None:
            raise UserFacingError("That button does not point at a theme.")
        with unit_of_work(deps_of(context).session_factory, team_id) as uow:
            result = toggle_vote(uow, user_id, theme_id, key)
    except UserFacingError as error:
        refuse(context, body, client, respond, error)
        return
    text = vote_message(result)
    reply(context, body, client, respond, text_blocks(text), text)


def plus_one_instead(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    request_part, _, theme_part = (action.get("value") or "").partition(":")
    request_id, theme_id = whole_number(request_part), whole_number(theme_part)
    try:
        if request_id is None or theme_id is None:
            raise UserFacingError("That button does not point at a request and a theme.")
        with unit_of_work(deps_of(context).session_factory, body["team"]["id"]) as uow:
            result = vote_instead(uow, body["user"]["id"], request_id, theme_id)
    except UserFacingError as error:
        refuse(context, body, client, respond, error)
        return
    text = f"Request {request_id} is withdrawn. " + vote_message(result)
    reply(context, body, client, respond, text_blocks(text), text, replace_original=True)


def open_form(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    with unit_of_work(deps_of(context).session_factory, body["team"]["id"]) as uow:
        choices = form_choices(uow, body["user"]["id"])
    modal = feedback_modal(choices, FormOrigin(source=RequestSource.HOME.value))
    show_modal(client, body["trigger_id"], modal, "feedback modal")


def refuse(
    context: BoltContext,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    error: UserFacingError,
) -> None:
    reply(context, body, client, respond, error_blocks(str(error)), error_text(str(error)))


def reply(
    context: BoltContext,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    blocks: list[Block],
    text: str,
    replace_original: bool = False,
) -> None:
    """Answer in place: the Home tab is refreshed (a modal also gets a DM), a message gets
    an ephemeral reply."""
    user_id = body["user"]["id"]
    if body.get("container", {}).get("type") == "view" or not body.get("response_url"):
        refresh_home(context, client, body["team"]["id"], user_id)
        if body.get("view", {}).get("type") != "home":
            send_safely(
                "direct message",
                lambda: client.chat_postMessage(channel=user_id, blocks=blocks, text=text),
            )
        return
    send_safely(
        "ephemeral reply",
        lambda: respond(
            blocks=blocks, text=text, response_type="ephemeral", replace_original=replace_original
        ),
    )
