"""/roadmap: the ranking, one theme, my requests, stats, and the PM's management commands.

The command is acked at once; the answer (ranking, detail or the result of a change) is
computed after the ack and sent through the command's response_url. A refusal is sent
the same way, as a "Platform roadmap" answer, so the command answers it here; an outage
or a bug is left to the error handler. The objectives form tells what is wrong on its
fields, here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.runtime.deps import Deps
from bot.services.digest import build_digest
from bot.services.domains import domain_list
from bot.services.drivers import driver_list
from bot.services.errors import UserFacingError
from bot.services.home import my_requests
from bot.services.kpis import compute_kpis
from bot.services.objective_kpis import objective_kpi_stats
from bot.services.roadmap.admin import (
    Actor,
    ChangeResult,
    change_status,
    editable_objectives,
    merge_themes,
    rename_theme,
    save_objective_edits,
    set_effort,
    split_request,
)
from bot.services.roadmap.audit import DEFAULT_SHOWN, recent_changes
from bot.services.roadmap.driver_admin import tie_driver, untie_driver
from bot.services.roadmap.links import Trackers, link_theme, unlink_theme
from bot.services.roadmap.theme_details import theme_details
from bot.services.roadmap.views import ThemeDetails
from bot.slack.blocks import ids
from bot.slack.blocks.digest import digest_blocks
from bot.slack.blocks.domains import domains_blocks
from bot.slack.blocks.drivers import drivers_blocks
from bot.slack.blocks.elements import Block
from bot.slack.blocks.objectives import (
    ObjectiveFieldError,
    first_field,
    objectives_modal,
    parse_objectives,
)
from bot.slack.blocks.replies import error_blocks, text_blocks
from bot.slack.blocks.roadmap import ROADMAP_HELP, audit_blocks, mine_blocks, stats_blocks
from bot.slack.blocks.text import safe
from bot.slack.blocks.theme import theme_detail_blocks, theme_modal
from bot.slack.calls import send_safely
from bot.slack.context import deps_of
from bot.slack.listeners.commands import HELP_WORDS, command_key, wants_help
from bot.slack.listeners.domains import admin_of
from bot.slack.listeners.pulses import pulse_command
from bot.slack.listeners.replies import show_modal
from bot.slack.listeners.views import submission_key
from bot.slack.state import values_of
from bot.slack.validation import whole_number
from storage.enums import Effort, ThemeStatus
from storage.unit_of_work import UnitOfWork, unit_of_work

STATS_DAYS = 30
USAGE = {
    "theme": "`/roadmap theme N`",
    "status": "`/roadmap status N planned|in_progress|shipped|declined [note]`",
    "merge": "`/roadmap merge N INTO`",
    "split": "`/roadmap split REQUEST [label]`",
    "effort": "`/roadmap effort N S|M|L|XL`",
    "rename": "`/roadmap rename N <label>`",
    "audit": "`/roadmap audit [N]`",
    "link": "`/roadmap link N <issue or pull request URL>`",
    "unlink": "`/roadmap unlink N <URL>`",
    "tie": "`/roadmap tie N <driver key>`",
    "untie": "`/roadmap untie N <driver key>`",
}


def register(app: App) -> None:
    app.command("/roadmap")(roadmap)
    app.action(ids.THEME_DETAILS_ACTION)(details)
    app.view(ids.OBJECTIVES_MODAL)(save_objectives)


@dataclass(frozen=True)
class Invocation:
    """One `/roadmap VERB ARGS…`, with what its subcommand needs."""

    deps: Deps
    who: Actor
    args: list[str]
    command: dict[str, Any]
    client: WebClient
    now: datetime


def theme_number(word: str, usage: str) -> int:
    number = whole_number(word.removeprefix("#"))
    if number is None:
        raise UserFacingError(f"“{word}” is not a theme or request number. Usage: {usage}")
    return number


def roadmap(
    ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Help in the ack; anything else is answered after it, through the response URL."""
    if wants_help(command.get("text", "")):
        ack(response_type="ephemeral", blocks=text_blocks(ROADMAP_HELP), text="/roadmap help")
        return
    ack()
    words = command.get("text", "").split()
    verb = words[0].lower() if words else ""
    if verb in HELP_WORDS:
        return
    deps = deps_of(context)
    invocation = Invocation(
        deps, admin_of(context, command), words[1:], command, client, datetime.now(UTC)
    )
    try:
        blocks = run_subcommand(verb, invocation)
    except UserFacingError as error:
        blocks = error_blocks(str(error))
    if blocks:
        send_safely(
            "roadmap answer",
            lambda: respond(blocks=blocks, text="Platform roadmap", response_type="ephemeral"),
        )


def run_subcommand(verb: str, invocation: Invocation) -> list[Block] | None:
    shown = SUBCOMMANDS.get(verb)
    if shown is not None:
        return shown(invocation)
    change = CHANGES.get(verb)
    if change is None:
        raise UserFacingError(f"I don't know `/roadmap {verb}`. `/roadmap help` lists what I do.")
    key = command_key(invocation.command)
    with unit_of_work(invocation.deps.session_factory, invocation.who.workspace_id) as uow:
        result = change(uow, invocation.who, invocation.args, key)
    return text_blocks(safe(result.message, 2000))


def show_digest(invocation: Invocation) -> list[Block]:
    deps = invocation.deps
    with unit_of_work(deps.session_factory, invocation.who.workspace_id) as uow:
        view = build_digest(
            uow,
            invocation.now,
            top=deps.settings.digest_size,
            pulse_threshold=deps.settings.pulse_anonymity,
            config=deps.scoring,
        )
    return digest_blocks(view)


def show_theme(invocation: Invocation) -> list[Block]:
    if len(invocation.args) != 1:
        raise UserFacingError(f"Usage: {USAGE['theme']}")
    theme_id = theme_number(invocation.args[0], USAGE["theme"])
    details = find_theme(invocation.deps, invocation.who.workspace_id, theme_id, invocation.now)
    return theme_detail_blocks(details)


def find_theme(deps: Deps, workspace_id: str, theme_id: int, now: datetime) -> ThemeDetails:
    with unit_of_work(deps.session_factory, workspace_id) as uow:
        return theme_details(uow, theme_id, now, deps.scoring, deps.settings.pulse_anonymity)


def show_mine(invocation: Invocation) -> list[Block]:
    who = invocation.who
    with unit_of_work(invocation.deps.session_factory, who.workspace_id) as uow:
        return mine_blocks(my_requests(uow, who.slack_id))


def show_stats(invocation: Invocation) -> list[Block]:
    deps, now = invocation.deps, invocation.now
    since = now - timedelta(days=STATS_DAYS)
    with unit_of_work(deps.session_factory, invocation.who.workspace_id) as uow:
        kpis = compute_kpis(uow, since, now, deps.settings.pulse_anonymity)
        objectives = objective_kpi_stats(
            uow, since, now, deps.scoring, deps.settings.pulse_anonymity
        )
    return stats_blocks(kpis, STATS_DAYS, objectives)


def open_objectives(invocation: Invocation) -> None:
    with unit_of_work(invocation.deps.session_factory, invocation.who.workspace_id) as uow:
        objectives = editable_objectives(uow, invocation.who)
    modal = objectives_modal(objectives)
    show_modal(invocation.client, invocation.command["trigger_id"], modal, "objectives modal")


def show_pulse(invocation: Invocation) -> list[Block] | None:
    return pulse_command(
        invocation.deps,
        invocation.who,
        invocation.args,
        invocation.client,
        command_key(invocation.command),
    )


def show_audit(invocation: Invocation) -> list[Block]:
    if len(invocation.args) > 1:
        raise UserFacingError(f"Usage: {USAGE['audit']}")
    limit = whole_number(invocation.args[0]) if invocation.args else DEFAULT_SHOWN
    if limit is None or limit < 1:
        raise UserFacingError(f"“{invocation.args[0]}” is not a number. Usage: {USAGE['audit']}")
    with unit_of_work(invocation.deps.session_factory, invocation.who.workspace_id) as uow:
        return audit_blocks(recent_changes(uow, invocation.who, limit))


def show_domains(invocation: Invocation) -> list[Block]:
    """The admin's list (refused for others)."""
    invocation.who.require_admin()
    with unit_of_work(invocation.deps.session_factory, invocation.who.workspace_id) as uow:
        return domains_blocks(domain_list(uow))


def show_drivers(invocation: Invocation) -> list[Block]:
    """The admin's list (refused for others)."""
    invocation.who.require_admin()
    with unit_of_work(invocation.deps.session_factory, invocation.who.workspace_id) as uow:
        return drivers_blocks(driver_list(uow))


def change_link(
    invocation: Invocation, verb: str, change: Callable[..., ChangeResult]
) -> list[Block]:
    """`/roadmap link|unlink N URL`: only hosts of the configured trackers are taken."""
    if len(invocation.args) != 2:
        raise UserFacingError(f"Usage: {USAGE[verb]}")
    theme_id = theme_number(invocation.args[0], USAGE[verb])
    trackers = Trackers.from_settings(invocation.deps.settings)
    with unit_of_work(invocation.deps.session_factory, invocation.who.workspace_id) as uow:
        result = change(
            uow,
            invocation.who,
            theme_id,
            invocation.args[1],
            trackers,
            key=command_key(invocation.command),
        )
    return text_blocks(safe(result.message, 2000))


SUBCOMMANDS: dict[str, Callable[[Invocation], list[Block] | None]] = {
    "": show_digest,
    "theme": show_theme,
    "mine": show_mine,
    "stats": show_stats,
    "objectives": open_objectives,
    "pulse": show_pulse,
    "audit": show_audit,
    "domains": show_domains,
    "drivers": show_drivers,
    "link": partial(change_link, verb="link", change=link_theme),
    "unlink": partial(change_link, verb="unlink", change=unlink_theme),
}


def status_change(uow: UnitOfWork, who: Actor, args: list[str], key: str) -> ChangeResult:
    if len(args) < 2:
        raise UserFacingError(f"Usage: {USAGE['status']}")
    status = args[1].lower()
    if status not in ThemeStatus._value2member_map_:
        raise UserFacingError(f"“{args[1]}” is not a status. Usage: {USAGE['status']}")
    theme_id = theme_number(args[0], USAGE["status"])
    return change_status(uow, who, theme_id, ThemeStatus(status), " ".join(args[2:]), key=key)


def merge_change(uow: UnitOfWork, who: Actor, args: list[str], key: str) -> ChangeResult:
    if len(args) != 2:
        raise UserFacingError(f"Usage: {USAGE['merge']}")
    source, target = (theme_number(word, USAGE["merge"]) for word in args)
    return merge_themes(uow, who, source, target, key=key)


def split_change(uow: UnitOfWork, who: Actor, args: list[str], key: str) -> ChangeResult:
    if not args:
        raise UserFacingError(f"Usage: {USAGE['split']}")
    request_id = theme_number(args[0], USAGE["split"])
    return split_request(uow, who, request_id, " ".join(args[1:]) or None, key=key)


def effort_change(uow: UnitOfWork, who: Actor, args: list[str], key: str) -> ChangeResult:
    if len(args) != 2 or args[1].upper() not in Effort._value2member_map_:
        raise UserFacingError(f"Usage: {USAGE['effort']}")
    theme_id = theme_number(args[0], USAGE["effort"])
    return set_effort(uow, who, theme_id, Effort(args[1].upper()), key=key)


def rename_change(uow: UnitOfWork, who: Actor, args: list[str], key: str) -> ChangeResult:
    if len(args) < 2:
        raise UserFacingError(f"Usage: {USAGE['rename']}")
    theme_id = theme_number(args[0], USAGE["rename"])
    return rename_theme(uow, who, theme_id, " ".join(args[1:]), key=key)


def tie_change(uow: UnitOfWork, who: Actor, args: list[str], key: str) -> ChangeResult:
    if len(args) != 2:
        raise UserFacingError(f"Usage: {USAGE['tie']}")
    theme_id = theme_number(args[0], USAGE["tie"])
    return tie_driver(uow, who, theme_id, args[1], invocation=key)


def untie_change(uow: UnitOfWork, who: Actor, args: list[str], key: str) -> ChangeResult:
    if len(args) != 2:
        raise UserFacingError(f"Usage: {USAGE['untie']}")
    theme_id = theme_number(args[0], USAGE["untie"])
    return untie_driver(uow, who, theme_id, args[1], invocation=key)


CHANGES: dict[str, Callable[[UnitOfWork, Actor, list[str], str], ChangeResult]] = {
    "status": status_change,
    "merge": merge_change,
    "split": split_change,
    "effort": effort_change,
    "rename": rename_change,
    "tie": tie_change,
    "untie": untie_change,
}


def details(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    theme_id = theme_number(action.get("value") or "", "the Details button")
    found = find_theme(deps_of(context), body["team"]["id"], theme_id, datetime.now(UTC))
    show_modal(client, body["trigger_id"], theme_modal(found), "theme details modal")


def save_objectives(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    deps = deps_of(context)
    who = admin_of(context, body)
    values = values_of(view)
    try:
        who.require_admin()
        edits = parse_objectives(values)
        with unit_of_work(deps.session_factory, who.workspace_id) as uow:
            save_objective_edits(uow, who, edits, key=submission_key(body))
    except ObjectiveFieldError as error:
        ack(response_action="errors", errors={error.block_id: error.message})
        return
    except UserFacingError as error:
        ack(response_action="errors", errors={first_field(values): str(error)[:150]})
        return
    ack()
