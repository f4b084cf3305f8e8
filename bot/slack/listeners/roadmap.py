"""/roadmap: the ranking, one theme, my requests, stats, and the PM's management commands.

The command is acked at once; the answer (ranking, detail or the result of a change) is
computed after the ack and sent through the command's response_url.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.runtime.deps import Deps
from bot.services.digest import build_digest
from bot.services.errors import UserFacingError
from bot.services.home import my_requests
from bot.services.kpis import compute_metrics
from bot.services.roadmap.admin import (
    Actor,
    ObjectiveInput,
    change_status,
    merge_themes,
    rename_theme,
    save_objective_edits,
    set_effort,
    split_request,
)
from bot.services.roadmap.theme_details import theme_details
from bot.slack.blocks import ids
from bot.slack.blocks.digest import digest_blocks
from bot.slack.blocks.feedback import note_blocks
from bot.slack.blocks.objectives import NEW, ObjectiveRow, objectives_modal
from bot.slack.blocks.replies import error_blocks, error_text, text_blocks
from bot.slack.blocks.roadmap import ROADMAP_HELP, mine_blocks, stats_blocks
from bot.slack.blocks.text import safe
from bot.slack.blocks.theme import theme_detail_blocks, theme_modal
from bot.slack.listeners.commands import command_key
from bot.slack.listeners.pulses import pulse_command
from bot.slack.listeners.replies import send_safely
from bot.slack.listeners.views import submission_key
from bot.slack.validation import whole_number
from storage.db import unit_of_work
from storage.enums import Effort, ThemeStatus
from storage.repositories import ObjectiveRepository

logger = logging.getLogger(__name__)

HELP_WORDS = {"help", "-h", "--help", "?"}
STATS_DAYS = 30
USAGE = {
    "theme": "`/roadmap theme N`",
    "status": "`/roadmap status N planned|in_progress|shipped|declined [note]`",
    "merge": "`/roadmap merge N INTO`",
    "split": "`/roadmap split REQUEST [label]`",
    "effort": "`/roadmap effort N S|M|L|XL`",
    "rename": "`/roadmap rename N <label>`",
}


def theme_number(word: str, usage: str) -> int:
    number = whole_number(word.removeprefix("#"))
    if number is None:
        raise UserFacingError(f"“{word}” is not a theme or request number. Usage: {usage}")
    return number


def register(app: App, deps: Deps) -> None:
    def actor(body: dict[str, Any]) -> Actor:
        team = body.get("team_id") or body["team"]["id"]
        user = body.get("user_id") or body["user"]["id"]
        return Actor(team, user, deps.settings.admins)

    @app.command("/roadmap")
    def roadmap(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """Help in the ack; anything else is answered after it, through the response URL."""
        if command.get("text", "").strip().lower() in HELP_WORDS:
            ack(response_type="ephemeral", blocks=text_blocks(ROADMAP_HELP), text="/roadmap help")
            return
        ack()
        words = command.get("text", "").split()
        verb = words[0].lower() if words else ""
        if verb in HELP_WORDS:
            return
        try:
            blocks = run_subcommand(verb, words[1:], command, client)
        except UserFacingError as error:
            blocks = error_blocks(str(error))
        if blocks:
            send_safely(
                "roadmap answer",
                lambda: respond(blocks=blocks, text="Platform roadmap", response_type="ephemeral"),
            )

    def run_subcommand(
        verb: str, args: list[str], command: dict[str, Any], client: WebClient
    ) -> list | None:
        who = actor(command)
        now = datetime.now(UTC)
        if verb == "":
            with unit_of_work(deps.session_factory) as session:
                view = build_digest(
                    session,
                    who.workspace_id,
                    now,
                    top=deps.settings.digest_size,
                    pulse_threshold=deps.settings.pulse_anonymity,
                    config=deps.scoring,
                )
            return digest_blocks(view)
        if verb == "theme":
            if len(args) != 1:
                raise UserFacingError(f"Usage: {USAGE['theme']}")
            with unit_of_work(deps.session_factory) as session:
                theme_id = theme_number(args[0], USAGE["theme"])
                details = theme_details(
                    session,
                    who.workspace_id,
                    theme_id,
                    now,
                    deps.scoring,
                    deps.settings.pulse_anonymity,
                )
            return theme_detail_blocks(details)
        if verb == "mine":
            with unit_of_work(deps.session_factory) as session:
                return mine_blocks(my_requests(session, who.workspace_id, who.slack_id))
        if verb == "stats":
            with unit_of_work(deps.session_factory) as session:
                metrics = compute_metrics(
                    session,
                    who.workspace_id,
                    now - timedelta(days=STATS_DAYS),
                    now,
                    deps.settings.pulse_anonymity,
                )
            return stats_blocks(metrics, STATS_DAYS)
        if verb == "objectives":
            who.require_admin()
            open_objectives(who, command["trigger_id"], client)
            return None
        if verb == "pulse":
            return pulse_command(deps, who, args, client, command_key(command))
        result = run_change(verb, args, who, command_key(command))
        return note_blocks(safe(result, 2000))

    def run_change(verb: str, args: list[str], who: Actor, key: str) -> str:
        with unit_of_work(deps.session_factory) as session:
            if verb == "status":
                if len(args) < 2:
                    raise UserFacingError(f"Usage: {USAGE['status']}")
                status = args[1].lower()
                if status not in ThemeStatus._value2member_map_:
                    raise UserFacingError(f"“{args[1]}” is not a status. Usage: {USAGE['status']}")
                note = " ".join(args[2:])
                return change_status(
                    session,
                    who,
                    theme_number(args[0], USAGE["status"]),
                    ThemeStatus(status),
                    note,
                    key=key,
                ).message
            if verb == "merge":
                if len(args) != 2:
                    raise UserFacingError(f"Usage: {USAGE['merge']}")
                return merge_themes(
                    session,
                    who,
                    theme_number(args[0], USAGE["merge"]),
                    theme_number(args[1], USAGE["merge"]),
                    key=key,
                ).message
            if verb == "split":
                if not args:
                    raise UserFacingError(f"Usage: {USAGE['split']}")
                label = " ".join(args[1:]) or None
                return split_request(
                    session, who, theme_number(args[0], USAGE["split"]), label, key=key
                ).message
            if verb == "effort":
                if len(args) != 2 or args[1].upper() not in Effort._value2member_map_:
                    raise UserFacingError(f"Usage: {USAGE['effort']}")
                return set_effort(
                    session,
                    who,
                    theme_number(args[0], USAGE["effort"]),
                    Effort(args[1].upper()),
                    key=key,
                ).message
            if verb == "rename":
                if len(args) < 2:
                    raise UserFacingError(f"Usage: {USAGE['rename']}")
                return rename_theme(
                    session,
                    who,
                    theme_number(args[0], USAGE["rename"]),
                    " ".join(args[1:]),
                    key=key,
                ).message
        raise UserFacingError(f"I don't know `/roadmap {verb}`. `/roadmap help` lists what I do.")

    def open_objectives(who: Actor, trigger_id: str, client: WebClient) -> None:
        with unit_of_work(deps.session_factory) as session:
            rows = [
                ObjectiveRow(o.id, o.name, o.description, o.weight, tuple(o.keywords))
                for o in ObjectiveRepository(session, who.workspace_id).list_active()
            ]
        send_safely(
            "objectives modal",
            lambda: client.views_open(trigger_id=trigger_id, view=objectives_modal(rows)),
        )

    @app.action(ids.THEME_DETAILS_ACTION)
    def details(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        try:
            theme_id = theme_number(action.get("value") or "", "the Details button")
            with unit_of_work(deps.session_factory) as session:
                found = theme_details(
                    session,
                    body["team"]["id"],
                    theme_id,
                    datetime.now(UTC),
                    deps.scoring,
                    deps.settings.pulse_anonymity,
                )
        except UserFacingError as error:
            message = str(error)
            if body.get("response_url"):
                send_safely(
                    "details error",
                    lambda: respond(
                        blocks=error_blocks(message),
                        text=error_text(message),
                        response_type="ephemeral",
                        replace_original=False,
                    ),
                )
            return
        send_safely(
            "theme details modal",
            lambda: client.views_open(trigger_id=body["trigger_id"], view=theme_modal(found)),
        )

    @app.view(ids.OBJECTIVES_MODAL)
    def save_objectives(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        who = actor(body)
        values = view.get("state", {}).get("values", {})
        try:
            who.require_admin()
            edits = parse_objectives(values)
        except UserFacingError as error:
            ack(response_action="errors", errors=error_field(values, str(error)))
            return
        except ObjectiveFieldError as error:
            ack(response_action="errors", errors={error.block_id: error.message})
            return
        try:
            with unit_of_work(deps.session_factory) as session:
                save_objective_edits(session, who, edits, key=submission_key(body))
        except UserFacingError as error:
            ack(response_action="errors", errors=error_field(values, str(error)))
            return
        ack()


class ObjectiveFieldError(Exception):
    def __init__(self, block_id: str, message: str) -> None:
        super().__init__(message)
        self.block_id = block_id
        self.message = message


def error_field(values: dict[str, Any], message: str) -> dict[str, str]:
    first = next(iter(values), f"objective:{NEW}:name")
    return {first: message[:150]}


def parse_objectives(values: dict[str, Any]) -> list[tuple[int | None, ObjectiveInput]]:
    """Read the modal's fields into one change per objective (None id: the new one)."""
    fields: dict[str, dict[str, Any]] = {}
    for block_id, inner in values.items():
        parts = block_id.split(":")
        if len(parts) != 3 or parts[0] != "objective":
            continue
        _, key, field = parts
        if key != NEW and whole_number(key) is None:
            continue  # not a block of ours: the modal names each objective by its id
        state = next(iter(inner.values()), {})
        fields.setdefault(key, {})[field] = state
    edits: list[tuple[int | None, ObjectiveInput]] = []
    for key, state in fields.items():
        name = (state.get("name", {}).get("value") or "").strip()
        raw_weight = state.get("weight", {}).get("value")
        if key == NEW and not name:
            continue
        if not name:
            raise ObjectiveFieldError(f"objective:{key}:name", "An objective needs a name.")
        try:
            weight = float(raw_weight) if raw_weight not in (None, "") else 1.0
        except ValueError:
            raise ObjectiveFieldError(
                f"objective:{key}:weight", "Use a number from 0 to 10."
            ) from None
        if not 0 <= weight <= 10:
            raise ObjectiveFieldError(f"objective:{key}:weight", "Use a number from 0 to 10.")
        keywords = tuple(
            k.strip()
            for k in (state.get("keywords", {}).get("value") or "").split(",")
            if k.strip()
        )
        retire = bool(state.get("retire", {}).get("selected_options"))
        edits.append(
            (
                None if key == NEW else whole_number(key),
                ObjectiveInput(
                    name,
                    (state.get("description", {}).get("value") or ""),
                    weight,
                    keywords,
                    active=not retire,
                ),
            )
        )
    return edits
