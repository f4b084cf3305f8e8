"""Buttons: +1, "+1 instead", and "Log a request" on App Home."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.runtime.deps import Deps
from bot.services.errors import UserFacingError
from bot.services.forms import form_choices
from bot.services.home import admin_threshold, home_view
from bot.services.votes import VoteOutcome, VoteResult, toggle_vote, vote_instead
from bot.slack.blocks import ids
from bot.slack.blocks.feedback import FormOrigin, feedback_modal, note_blocks
from bot.slack.blocks.home import home_tab
from bot.slack.blocks.replies import error_blocks, error_text
from bot.slack.blocks.text import safe
from bot.slack.listeners.replies import send_safely, tell
from bot.slack.validation import whole_number
from storage.db import unit_of_work
from storage.enums import RequestSource

logger = logging.getLogger(__name__)


def vote_message(result: VoteResult) -> str:
    label = safe(result.theme_label, 150)
    backers = f"{result.voters} {'person backs' if result.voters == 1 else 'people back'} it now."
    if result.outcome == VoteOutcome.ADDED:
        return f":thumbsup: You back *{label}*. {backers}"
    if result.outcome == VoteOutcome.REMOVED:
        return f"Your +1 for *{label}* is taken back. {backers}"
    if result.outcome == VoteOutcome.OWN_REQUEST:
        return (
            f"*{label}* includes your own request, so it already counts you — "
            "thanks for caring twice!"
        )
    return f"Your +1 for *{label}* was already recorded. {backers}"


def parse_int(value: str | None) -> int | None:
    """A button's id; None when it is not a number (InvalidInputError if too large)."""
    return whole_number(value)


def register(app: App, deps: Deps) -> None:
    def reply(
        body: dict[str, Any],
        client: WebClient,
        respond: Respond,
        blocks: list,
        text: str,
        replace_original: bool = False,
    ) -> None:
        """Answer in place: the Home tab is refreshed, a message gets an ephemeral reply."""
        user_id = body["user"]["id"]
        if body.get("container", {}).get("type") == "view" or not body.get("response_url"):
            refresh_home(body["team"]["id"], user_id, client)
            if body.get("view", {}).get("type") == "home":
                return
            tell(client, None, user_id, blocks, text)
            return
        tell(client, respond, user_id, blocks, text, replace_original=replace_original)

    def refresh_home(team_id: str, user_id: str, client: WebClient) -> None:
        with unit_of_work(deps.session_factory) as session:
            view = home_view(
                session,
                team_id,
                user_id,
                datetime.now(UTC),
                config=deps.scoring,
                pulse_threshold=admin_threshold(deps.settings, user_id),
                anonymity=deps.settings.pulse_anonymity,
            )
        send_safely("home view", lambda: client.views_publish(user_id=user_id, view=home_tab(view)))

    @app.action(ids.VOTE_ACTION)
    def vote(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        theme_id = parse_int(action.get("value"))
        user_id = body["user"]["id"]
        key = f"action:{body['team']['id']}:{user_id}:{action.get('action_ts')}"
        try:
            if theme_id is None:
                raise UserFacingError("That button does not point at a theme.")
            with unit_of_work(deps.session_factory) as session:
                result = toggle_vote(session, body["team"]["id"], user_id, theme_id, key)
        except UserFacingError as error:
            reply(body, client, respond, error_blocks(str(error)), error_text(str(error)))
            return
        text = vote_message(result)
        reply(body, client, respond, note_blocks(text), text)

    @app.action(ids.VOTE_INSTEAD_ACTION)
    def plus_one_instead(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        request_part, _, theme_part = (action.get("value") or "").partition(":")
        request_id, theme_id = parse_int(request_part), parse_int(theme_part)
        try:
            if request_id is None or theme_id is None:
                raise UserFacingError("That button does not point at a request and a theme.")
            with unit_of_work(deps.session_factory) as session:
                result = vote_instead(
                    session, body["team"]["id"], body["user"]["id"], request_id, theme_id
                )
        except UserFacingError as error:
            reply(body, client, respond, error_blocks(str(error)), error_text(str(error)))
            return
        text = f"Request #{request_id} is withdrawn. " + vote_message(result)
        reply(body, client, respond, note_blocks(text), text, replace_original=True)

    @app.action(ids.OPEN_FEEDBACK_ACTION)
    def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with unit_of_work(deps.session_factory) as session:
            choices = form_choices(session, body["team"]["id"], body["user"]["id"])
        modal = feedback_modal(choices, FormOrigin(source=RequestSource.HOME.value))
        send_safely(
            "feedback modal", lambda: client.views_open(trigger_id=body["trigger_id"], view=modal)
        )
