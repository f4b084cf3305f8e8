"""The PM's answer to "all linked issues are done — mark #N shipped?" (a DM with buttons)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.services.errors import UserFacingError
from bot.services.roadmap.following import FOLLOWED, confirm_followed_status
from bot.slack.blocks.ids import FOLLOW_CONFIRM_ACTION, FOLLOW_DISMISS_ACTION
from bot.slack.blocks.replies import text_blocks
from bot.slack.blocks.text import safe
from bot.slack.calls import send_safely
from bot.slack.context import deps_of
from bot.slack.listeners.domains import admin_of
from bot.slack.validation import whole_number
from storage.enums import ThemeStatus
from storage.unit_of_work import unit_of_work


def register(app: App) -> None:
    app.action(FOLLOW_CONFIRM_ACTION)(confirm)
    app.action(FOLLOW_DISMISS_ACTION)(dismiss)


def proposed(action: dict[str, Any]) -> tuple[int, ThemeStatus]:
    theme_part, _, status_part = (action.get("value") or "").partition(":")
    theme_id = whole_number(theme_part)
    if theme_id is None or status_part not in FOLLOWED:
        raise UserFacingError("That button does not point at a theme and a status.")
    return theme_id, ThemeStatus(status_part)


def confirm(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    theme_id, status = proposed(action)
    who = admin_of(context, body)
    key = f"action:{who.workspace_id}:{who.slack_id}:{action.get('action_ts')}"
    with unit_of_work(deps_of(context).session_factory, who.workspace_id) as uow:
        result = confirm_followed_status(uow, who, theme_id, status, key=key)
    replace_proposal(respond, safe(result.message, 2000))


def dismiss(ack: Ack, action: dict[str, Any], respond: Respond) -> None:
    ack()
    theme_id, _ = proposed(action)
    replace_proposal(
        respond,
        f"Left #{theme_id} as it is. `/roadmap status {theme_id} <status>` changes it "
        "whenever you are ready.",
    )


def replace_proposal(respond: Respond, answer: str) -> None:
    send_safely(
        "status proposal answer",
        lambda: respond(blocks=text_blocks(answer), text=answer, replace_original=True),
    )
