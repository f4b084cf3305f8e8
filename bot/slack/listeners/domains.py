"""Domains from Slack: Edit and Add on the admins' `/roadmap domains` list, each opening
a one-domain modal; App Home lets each person pick their own domain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services.domains import domain_summary, save_domain, set_own_domain
from bot.services.errors import UserFacingError
from bot.services.roadmap.admin import Actor
from bot.slack.blocks.domains import (
    NAME,
    domain_modal,
    not_in_channel_view,
    parse_domain,
)
from bot.slack.blocks.elements import Block
from bot.slack.blocks.ids import (
    DOMAIN_ADD_ACTION,
    DOMAIN_EDIT_ACTION,
    DOMAINS_MODAL,
    MY_DOMAIN_ACTION,
)
from bot.slack.channels import cannot_post_in
from bot.slack.context import deps_of
from bot.slack.listeners.replies import refresh_home, show_modal
from bot.slack.listeners.views import submission_key
from bot.slack.state import metadata, metadata_id, values_of
from bot.slack.validation import whole_number
from storage.unit_of_work import UnitOfWork, unit_of_work

Item = TypeVar("Item")


def register(app: App) -> None:
    app.action(DOMAIN_EDIT_ACTION)(open_domain)
    app.action(DOMAIN_ADD_ACTION)(open_domain)
    app.view(DOMAINS_MODAL)(save)
    app.action(MY_DOMAIN_ACTION)(pick_my_domain)


def admin_of(context: BoltContext, body: dict[str, Any]) -> Actor:
    """Who sent a command or an interaction, for the admins' changes to check."""
    deps = deps_of(context)
    team = body.get("team_id") or body["team"]["id"]
    user = body.get("user_id") or body["user"]["id"]
    return Actor(team, user, deps.settings.admins)


def open_item_modal(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    summary: Callable[[UnitOfWork, int], Item],
    modal: Callable[[Item | None], Block],
    what: str,
) -> None:
    """An admin list's Edit (the item's id in its value) or Add ("new"): the one-item
    modal, filled from the item's ``summary`` or empty; for admins only (domains, drivers)."""
    who = admin_of(context, body)
    who.require_admin()
    item_id = whole_number(action.get("value"))
    shown = None
    if item_id is not None:
        with unit_of_work(deps_of(context).session_factory, who.workspace_id) as uow:
            shown = summary(uow, item_id)
    show_modal(client, body["trigger_id"], modal(shown), what)


def open_domain(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    open_item_modal(body, action, client, context, domain_summary, domain_modal, "domain modal")


def save(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    deps = deps_of(context)
    who = admin_of(context, body)
    values = parse_domain(values_of(view))
    domain_id = metadata_id(metadata(view), "domain_id") or None
    try:
        with unit_of_work(deps.session_factory, who.workspace_id) as uow:
            saved = save_domain(
                uow, who, domain_id, values, datetime.now(UTC), key=submission_key(body)
            )
    except UserFacingError as error:
        ack(response_action="errors", errors={NAME: str(error)[:150]})
        return
    channel = values.digest_channel
    if channel and not values.retired and cannot_post_in(client, channel):
        ack(response_action="update", view=not_in_channel_view(saved.message, channel))
        return
    ack()


def pick_my_domain(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    team, user = body["team"]["id"], body["user"]["id"]
    picked = (action.get("selected_option") or {}).get("value")
    with unit_of_work(deps_of(context).session_factory, team) as uow:
        set_own_domain(uow, user, whole_number(picked) if picked else None)
    refresh_home(context, client, team, user)
