"""Drivers from Slack: the one-click driver answers of a pulse DM, and Edit and Add on the
admins' `/roadmap drivers` list, each opening a one-driver modal."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services.drivers import driver_summary, save_driver
from bot.services.errors import UserFacingError
from bot.services.pulses import rounds as pulses
from bot.slack.blocks import pulse as pulse_blocks
from bot.slack.blocks.drivers import (
    NAME,
    PREFIXES,
    driver_modal,
    kind_of,
    parse_driver,
    parse_driver_value,
)
from bot.slack.blocks.ids import DRIVER_ADD_ACTION, DRIVER_EDIT_ACTION, DRIVERS_MODAL
from bot.slack.context import deps_of
from bot.slack.listeners.domains import admin_of, open_item_modal
from bot.slack.listeners.pulses import CLOSED, THANKS, now, replace
from bot.slack.listeners.views import submission_key
from bot.slack.state import metadata, metadata_id, values_of
from storage.unit_of_work import unit_of_work

UNREADABLE = "That button does not carry an answer."


def register(app: App) -> None:
    answer_ids = "|".join(re.escape(prefix) for prefix in PREFIXES.values())
    app.action(re.compile(rf"^({answer_ids})[1-5]$"))(answer)
    app.action(DRIVER_EDIT_ACTION)(open_driver)
    app.action(DRIVER_ADD_ACTION)(open_driver)
    app.view(DRIVERS_MODAL)(save)


def answer(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """A click on a driver's 1–5: stored (or changed), and the DM shown again with it."""
    ack()
    kind = kind_of(str(action.get("action_id") or ""))
    parsed = parse_driver_value(action.get("value"))
    if kind is None or parsed is None:
        raise UserFacingError(UNREADABLE)
    round_id, driver_id, value = parsed
    deps = deps_of(context)
    k = deps.settings.pulse_anonymity
    try:
        with unit_of_work(deps.session_factory, body["team"]["id"]) as uow:
            shown = pulses.record_driver_answer(
                uow, round_id, body["user"]["id"], driver_id, kind, value, now()
            )
    except pulses.RoundClosedError:
        replace(respond, pulse_blocks.closed_blocks(), CLOSED)
        return
    if shown.answer is not None:
        replace(respond, pulse_blocks.thank_you_blocks(shown.answer, k), THANKS)
        return
    dm = pulse_blocks.pulse_dm_blocks(shown.round_id, shown.question, k, drivers=shown.drivers)
    replace(respond, dm, THANKS)


def open_driver(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    open_item_modal(body, action, client, context, driver_summary, driver_modal, "driver modal")


def save(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    who = admin_of(context, body)
    values = parse_driver(values_of(view))
    driver_id = metadata_id(metadata(view), "driver_id") or None
    try:
        with unit_of_work(deps_of(context).session_factory, who.workspace_id) as uow:
            save_driver(uow, who, driver_id, values, key=submission_key(body))
    except UserFacingError as error:
        ack(response_action="errors", errors={NAME: str(error)[:150]})
        return
    ack()
