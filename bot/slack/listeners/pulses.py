"""Pulse DMs and follow-ups: answer buttons, eNPS, comments, preferences; `/roadmap pulse`.

A click is acked at once; the answer is stored, then the DM is replaced in place through
the action's response_url (``replace_original``) with what was recorded. A click after
the round closed replaces it with a polite "this round has closed". A click the service
refuses is answered by the error handler, as an ephemeral warning beside the DM; a
follow-up's refusal is answered here, as it always was, without a response type. A
comment form tells what is wrong on its field, here too.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.runtime.deps import Deps
from bot.services.errors import UserFacingError
from bot.services.followups import answer_followup, comment_followup, reopen_as_request
from bot.services.pulses import rounds as pulses
from bot.services.pulses.digest_chart import upload_charts
from bot.services.pulses.driver_chart import plotted
from bot.services.pulses.driver_results import driver_results
from bot.services.pulses.results import pulse_results
from bot.services.pulses.views import AnswerView
from bot.services.roadmap.admin import Actor
from bot.slack.blocks import followup as followup_blocks
from bot.slack.blocks import pulse as blocks
from bot.slack.blocks.driver_results import driver_results_blocks
from bot.slack.blocks.elements import Block
from bot.slack.blocks.replies import error_blocks, error_text, text_blocks
from bot.slack.calls import send_safely
from bot.slack.context import deps_of
from bot.slack.listeners.replies import show_modal
from bot.slack.pulse_api import start_round_from_slack, upload_chart
from bot.slack.state import field_state, metadata, metadata_id
from bot.slack.validation import whole_number
from storage.unit_of_work import UnitOfWork, unit_of_work

PULSE_USAGE = "`/roadmap pulse [start | chart | stop | less | resume]`"
PREFERENCE_WORDS = {"stop": pulses.STOP, "less": pulses.LESS_OFTEN, "resume": pulses.RESUME}
PREFERENCE_ACTIONS = {blocks.LESS_OFTEN_ACTION: pulses.LESS_OFTEN, blocks.STOP_ACTION: pulses.STOP}
NO_PULSE = "That button does not point at a pulse."
NO_QUESTION = "That button does not point at a question."
CLOSED = "This pulse round has closed."
THANKS = "Thanks for answering!"

Record = Callable[[UnitOfWork, int, str, int, datetime], AnswerView]


def register(app: App) -> None:
    app.action(re.compile(rf"^{blocks.SCORE_ACTION_PREFIX}[1-5]$"))(score)
    app.action(blocks.ENPS_ACTION)(enps)
    app.action(blocks.LOG_REQUEST_ACTION)(log_comment)
    app.action(blocks.COMMENT_ACTION)(open_comment)
    app.view(blocks.COMMENT_MODAL)(save_comment)
    app.action(blocks.LESS_OFTEN_ACTION)(set_preference)
    app.action(blocks.STOP_ACTION)(set_preference)
    app.action(re.compile(rf"^{followup_blocks.ANSWER_ACTION_PREFIX}(yes|partly|no)$"))(answer)
    app.action(followup_blocks.REOPEN_ACTION)(reopen)
    app.action(followup_blocks.COMMENT_ACTION)(open_followup_comment)
    app.view(followup_blocks.COMMENT_MODAL)(save_followup_comment)


def now() -> datetime:
    return datetime.now(UTC)


def pulse_command(
    deps: Deps, who: Actor, args: list[str], client: WebClient, key: str
) -> list[Block]:
    """`/roadmap pulse …`: results for everyone; start is for admins (once per ``key``,
    the command's invocation: a second delivery finds the round it started)."""
    word = args[0].lower() if args else ""
    settings = deps.settings
    if word == "start":
        who.require_admin()
        started = start_round_from_slack(
            deps.session_factory,
            client,
            who.workspace_id,
            settings,
            now(),
            f"manual:{key}",
            scheduled=False,
            rng=random.Random(),
        )
        if not started.created:
            return text_blocks(f":warning: {started.reason or 'No round was started.'}")
        return text_blocks(
            f":rocket: Pulse round started: {started.invited} people will be asked in their "
            "own working hours over the next days."
        )
    if word in PREFERENCE_WORDS:
        with unit_of_work(deps.session_factory, who.workspace_id) as uow:
            message = pulses.set_preference(uow, who.slack_id, PREFERENCE_WORDS[word])
        return text_blocks(message)
    if word not in ("", "chart"):
        raise UserFacingError(f"Usage: {PULSE_USAGE}")
    with unit_of_work(deps.session_factory, who.workspace_id) as uow:
        results = pulse_results(uow, settings.pulse_anonymity, now())
        drivers = driver_results(uow, settings.pulse_anonymity, now())
    if word == "":
        return blocks.results_blocks(results) + driver_results_blocks(drivers)
    if results is None:
        raise UserFacingError("No satisfaction pulse has run yet.")
    dm = client.conversations_open(users=who.slack_id)["channel"]["id"]
    upload_charts(functools.partial(upload_chart, client), dm, results, drivers)
    if drivers is not None and plotted(drivers):
        return text_blocks(":chart_with_upwards_trend: I sent you the charts by DM.")
    return text_blocks(":chart_with_upwards_trend: I sent you the trend chart by DM.")


# --- pulse DMs ------------------------------------------------------------------------


def score(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    unreadable = "That button does not carry an answer."
    record_choice(context, body, respond, action.get("value"), unreadable, pulses.record_score)


def enps(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    chosen = (action.get("selected_option") or {}).get("value")
    record_choice(context, body, respond, chosen, "Pick a number from 0 to 10.", pulses.record_enps)


def record_choice(
    context: BoltContext,
    body: dict[str, Any],
    respond: Respond,
    raw_value: str | None,
    unreadable: str,
    record: Record,
) -> None:
    """Store a "round:value" choice with ``record`` and replace the DM with the thank-you
    (or "closed")."""
    parsed = blocks.parse_value(raw_value)
    if parsed is None or parsed[1] is None:
        raise UserFacingError(unreadable)
    round_id, value = parsed[0], parsed[1]
    team, user = body["team"]["id"], body["user"]["id"]
    deps = deps_of(context)
    try:
        with unit_of_work(deps.session_factory, team) as uow:
            view = record(uow, round_id, user, value, now())
    except pulses.RoundClosedError:
        replace(respond, blocks.closed_blocks(), CLOSED)
        return
    replace(respond, blocks.thank_you_blocks(view, deps.settings.pulse_anonymity), THANKS)


def log_comment(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    round_id = pulse_of(action)
    deps = deps_of(context)
    with unit_of_work(deps.session_factory, body["team"]["id"]) as uow:
        view, request_id = pulses.log_comment_as_request(uow, round_id, body["user"]["id"], now())
        still_open = now() < view.closes_at
    if still_open:
        shown = blocks.thank_you_blocks(view, deps.settings.pulse_anonymity)
        replace(respond, shown, f"Logged as request {request_id}")
    else:
        note = f"Logged as request {request_id}."
        whisper(respond, error_blocks(note), error_text(note), "pulse note")


def open_comment(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    round_id = pulse_of(action)
    team, user = body["team"]["id"], body["user"]["id"]
    try:
        with unit_of_work(deps_of(context).session_factory, team) as uow:
            view = pulses.current_answer(uow, round_id, user, now())
    except pulses.RoundClosedError:
        replace(respond, blocks.closed_blocks(), CLOSED)
        return
    modal = blocks.comment_modal(view.round_id, view.comment, *clicked_message(body))
    show_modal(client, body["trigger_id"], modal, "pulse comment modal")


def save_comment(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    meta = metadata(view)
    text = field_state(view, blocks.COMMENT_BLOCK, blocks.COMMENT_INPUT).get("value")
    deps = deps_of(context)
    try:
        round_id = metadata_id(meta, "round")
        with unit_of_work(deps.session_factory, body["team"]["id"]) as uow:
            saved = pulses.record_comment(uow, round_id, body["user"]["id"], text or "", now())
    except UserFacingError as error:
        ack(response_action="errors", errors={blocks.COMMENT_BLOCK: str(error)[:150]})
        return
    ack()
    shown = blocks.thank_you_blocks(saved, deps.settings.pulse_anonymity)
    update_in_place(client, meta, shown, THANKS, "pulse")


def set_preference(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    choice = PREFERENCE_ACTIONS[action["action_id"]]
    with unit_of_work(deps_of(context).session_factory, body["team"]["id"]) as uow:
        message = pulses.set_preference(uow, body["user"]["id"], choice)
    whisper(respond, text_blocks(message), message, "pulse preference")


def pulse_of(action: dict[str, Any]) -> int:
    parsed = blocks.parse_value(action.get("value"))
    if parsed is None:
        raise UserFacingError(NO_PULSE)
    return parsed[0]


def clicked_message(body: dict[str, Any]) -> tuple[str, str]:
    """The channel and ts of the message whose button was clicked, for the modal to update."""
    container = body.get("container") or {}
    return str(container.get("channel_id") or ""), str(container.get("message_ts") or "")


def replace(respond: Respond, shown: list[Block], text: str, what: str = "pulse update") -> None:
    send_safely(what, lambda: respond(blocks=shown, text=text, replace_original=True))


def whisper(respond: Respond, shown: list[Block], text: str, what: str) -> None:
    send_safely(
        what,
        lambda: respond(blocks=shown, text=text, response_type="ephemeral", replace_original=False),
    )


# --- ship follow-ups ------------------------------------------------------------------


def answer(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    value, _, choice = (action.get("value") or "").partition(":")
    try:
        followup_id = followup_of(value)
        with unit_of_work(deps_of(context).session_factory, body["team"]["id"]) as uow:
            view = answer_followup(uow, followup_id, body["user"]["id"], choice, now())
    except UserFacingError as error:
        refuse_followup(respond, error)
        return
    replace(respond, followup_blocks.followup_thanks_blocks(view), "Thanks!", "follow-up thanks")


def reopen(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    try:
        followup_id = followup_of(action.get("value"))
        with unit_of_work(deps_of(context).session_factory, body["team"]["id"]) as uow:
            view = reopen_as_request(uow, followup_id, body["user"]["id"], now())
    except UserFacingError as error:
        refuse_followup(respond, error)
        return
    shown = followup_blocks.followup_thanks_blocks(view)
    replace(respond, shown, "Back on the roadmap.", "follow-up reopened")


def open_followup_comment(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    ack()
    followup_id = whole_number(action.get("value"))
    if followup_id is None:
        return
    modal = followup_blocks.followup_comment_modal(followup_id, None, *clicked_message(body))
    show_modal(client, body["trigger_id"], modal, "follow-up comment modal")


def save_followup_comment(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    meta = metadata(view)
    state = field_state(view, followup_blocks.COMMENT_BLOCK, followup_blocks.COMMENT_INPUT)
    try:
        followup_id = metadata_id(meta, "followup")
        with unit_of_work(deps_of(context).session_factory, body["team"]["id"]) as uow:
            saved = comment_followup(
                uow,
                followup_id,
                body["user"]["id"],
                state.get("value") or "",
                now(),
            )
    except UserFacingError as error:
        ack(response_action="errors", errors={followup_blocks.COMMENT_BLOCK: str(error)[:150]})
        return
    ack()
    shown = followup_blocks.followup_thanks_blocks(saved)
    update_in_place(client, meta, shown, "Thanks!", "follow-up")


def followup_of(value: str | None) -> int:
    followup_id = whole_number(value)
    if followup_id is None:
        raise UserFacingError(NO_QUESTION)
    return followup_id


def refuse_followup(respond: Respond, error: UserFacingError) -> None:
    """A follow-up's refusal: beside the question, as before the error handler answered
    refusals (without ``response_type``, so not quite its answer)."""
    message = str(error)
    send_safely(
        "follow-up error",
        lambda: respond(
            blocks=error_blocks(message), text=error_text(message), replace_original=False
        ),
    )


def update_in_place(
    client: WebClient, meta: dict[str, Any], shown: list[Block], text: str, what: str
) -> None:
    """After a comment form: turn the DM it was opened from (``meta``'s channel and ts)
    into the thank-you, if the form knows that message."""
    if meta.get("channel") and meta.get("ts"):
        send_safely(
            f"{what} update after comment",
            lambda: client.chat_update(
                channel=meta["channel"], ts=meta["ts"], blocks=shown, text=text
            ),
        )
