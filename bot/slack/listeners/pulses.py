"""Pulse DMs and follow-ups: answer buttons, eNPS, comments, preferences; `/roadmap pulse`.

A click is acked at once; the answer is stored, then the DM is replaced in place through
the action's response_url (``replace_original``) with what was recorded. A click after
the round closed replaces it with a polite "this round has closed".
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.jobs.pulses import start_round_from_slack, upload_chart
from bot.runtime.deps import Deps
from bot.services.errors import UserFacingError
from bot.services.followups import answer_followup, comment_followup, reopen_as_request
from bot.services.pulses import rounds as pulses
from bot.services.pulses.chart import chart_alt_text, trend_chart_png
from bot.services.pulses.results import pulse_results
from bot.services.roadmap.admin import Actor
from bot.slack.blocks import followup as followup_blocks
from bot.slack.blocks import pulse as blocks
from bot.slack.blocks.elements import Block
from bot.slack.blocks.replies import error_blocks, error_text, text_blocks
from bot.slack.listeners.replies import send_safely
from bot.slack.validation import whole_number
from storage.db import unit_of_work

logger = logging.getLogger(__name__)

PULSE_USAGE = "`/roadmap pulse [start | chart | stop | less | resume]`"
PREFERENCE_WORDS = {"stop": pulses.STOP, "less": pulses.LESS_OFTEN, "resume": pulses.RESUME}


def now() -> datetime:
    return datetime.now(UTC)


def pulse_command(
    deps: Deps, who: Actor, args: list[str], client: WebClient, key: str
) -> list[Block] | None:
    """`/roadmap pulse …`: results for everyone; start is for admins (once per ``key``,
    the command's invocation: a second delivery finds the round it started)."""
    word = args[0].lower() if args else ""
    settings = deps.settings
    if word == "":
        with unit_of_work(deps.session_factory) as session:
            results = pulse_results(session, who.workspace_id, settings.pulse_anonymity, now())
        return blocks.results_blocks(results)
    if word == "start":
        who.require_admin()
        moment = now()
        started = start_round_from_slack(
            deps.session_factory,
            client,
            who.workspace_id,
            settings,
            moment,
            f"manual:{key}",
            scheduled=False,
            rng=random.Random(),
        )
        if not started.created:
            raise UserFacingError(started.reason or "No round was started.")
        return text_blocks(
            f":rocket: Pulse round started: {started.invited} people will be asked in their "
            "own working hours over the next days."
        )
    if word == "chart":
        with unit_of_work(deps.session_factory) as session:
            results = pulse_results(session, who.workspace_id, settings.pulse_anonymity, now())
        if results is None:
            raise UserFacingError("No satisfaction pulse has run yet.")
        dm = client.conversations_open(users=who.slack_id)["channel"]["id"]
        upload_chart(client, dm, trend_chart_png(results.history), chart_alt_text(results.history))
        return text_blocks(":chart_with_upwards_trend: I sent you the trend chart by DM.")
    if word in PREFERENCE_WORDS:
        with unit_of_work(deps.session_factory) as session:
            message = pulses.set_preference(
                session, who.workspace_id, who.slack_id, PREFERENCE_WORDS[word]
            )
        return text_blocks(message)
    raise UserFacingError(f"Usage: {PULSE_USAGE}")


def register(app: App, deps: Deps) -> None:
    k = deps.settings.pulse_anonymity

    def replace(respond: Respond, shown: list[Block], text: str) -> None:
        send_safely("pulse update", lambda: respond(blocks=shown, text=text, replace_original=True))

    def whisper(respond: Respond, message: str) -> None:
        send_safely(
            "pulse note",
            lambda: respond(
                blocks=error_blocks(message),
                text=error_text(message),
                response_type="ephemeral",
                replace_original=False,
            ),
        )

    def answer_in_place(
        body: dict[str, Any], respond: Respond, change: Callable[[Any], pulses.AnswerView]
    ) -> None:
        try:
            with unit_of_work(deps.session_factory) as session:
                view = change(session)
        except pulses.RoundClosedError:
            replace(respond, blocks.closed_blocks(), "This pulse round has closed.")
            return
        except UserFacingError as error:
            whisper(respond, str(error))
            return
        replace(respond, blocks.thank_you_blocks(view, k), "Thanks for answering!")

    def record_choice(
        body: dict[str, Any],
        respond: Respond,
        raw_value: str | None,
        unreadable: str,
        record: Callable[..., Any],
    ) -> None:
        """Parse a "round:value" choice and store it with ``record``; answer in place."""
        parsed = blocks.parse_value(raw_value)
        team, user = body["team"]["id"], body["user"]["id"]
        if parsed is None or parsed[1] is None:
            whisper(respond, unreadable)
            return
        round_id, value = parsed[0], parsed[1]
        answer_in_place(body, respond, lambda s: record(s, team, round_id, user, value, now()))

    @app.action(re.compile(rf"^{blocks.SCORE_ACTION_PREFIX}[1-5]$"))
    def score(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        record_choice(
            body,
            respond,
            action.get("value"),
            "That button does not carry an answer.",
            pulses.record_score,
        )

    @app.action(blocks.ENPS_ACTION)
    def enps(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        record_choice(
            body,
            respond,
            (action.get("selected_option") or {}).get("value"),
            "Pick a number from 0 to 10.",
            pulses.record_enps,
        )

    @app.action(blocks.LOG_REQUEST_ACTION)
    def log_comment(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        parsed = blocks.parse_value(action.get("value"))
        team, user = body["team"]["id"], body["user"]["id"]
        if parsed is None:
            whisper(respond, "That button does not point at a pulse.")
            return
        try:
            with unit_of_work(deps.session_factory) as session:
                view, request_id = pulses.log_comment_as_request(
                    session, team, parsed[0], user, now()
                )
                still_open = now() < view.closes_at
        except UserFacingError as error:
            whisper(respond, str(error))
            return
        if still_open:
            replace(respond, blocks.thank_you_blocks(view, k), f"Logged as request #{request_id}")
        else:
            whisper(respond, f"Logged as request #{request_id}.")

    @app.action(blocks.COMMENT_ACTION)
    def open_comment(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        parsed = blocks.parse_value(action.get("value"))
        team, user = body["team"]["id"], body["user"]["id"]
        container = body.get("container") or {}
        try:
            if parsed is None:
                raise UserFacingError("That button does not point at a pulse.")
            with unit_of_work(deps.session_factory) as session:
                view = pulses.current_answer(session, team, parsed[0], user, now())
        except pulses.RoundClosedError:
            replace(respond, blocks.closed_blocks(), "This pulse round has closed.")
            return
        except UserFacingError as error:
            whisper(respond, str(error))
            return
        modal = blocks.comment_modal(
            view.round_id,
            view.comment,
            str(container.get("channel_id") or ""),
            str(container.get("message_ts") or ""),
        )
        send_safely(
            "pulse comment modal",
            lambda: client.views_open(trigger_id=body["trigger_id"], view=modal),
        )

    @app.view(blocks.COMMENT_MODAL)
    def save_comment(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        meta = _metadata(view)
        values = view.get("state", {}).get("values", {})
        text = values.get(blocks.COMMENT_BLOCK, {}).get(blocks.COMMENT_INPUT, {}).get("value")
        team, user = body["team"]["id"], body["user"]["id"]
        try:
            with unit_of_work(deps.session_factory) as session:
                saved = pulses.record_comment(
                    session, team, _metadata_id(meta, "round"), user, text or "", now()
                )
        except UserFacingError as error:
            ack(response_action="errors", errors={blocks.COMMENT_BLOCK: str(error)[:150]})
            return
        ack()
        update_in_place(
            client, meta, blocks.thank_you_blocks(saved, k), "Thanks for answering!", "pulse"
        )

    def preference(choice: str) -> Callable[..., None]:
        def handle(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
            ack()
            with unit_of_work(deps.session_factory) as session:
                message = pulses.set_preference(
                    session, body["team"]["id"], body["user"]["id"], choice
                )
            send_safely(
                "pulse preference",
                lambda: respond(
                    blocks=text_blocks(message),
                    text=message,
                    response_type="ephemeral",
                    replace_original=False,
                ),
            )

        return handle

    app.action(blocks.LESS_OFTEN_ACTION)(preference(pulses.LESS_OFTEN))
    app.action(blocks.STOP_ACTION)(preference(pulses.STOP))
    register_followups(app, deps)


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _metadata_id(meta: dict[str, Any], key: str) -> int:
    """An id a form carries in its metadata; 0 (no such row) when it is not a number."""
    return whole_number(str(meta.get(key, ""))) or 0


def register_followups(app: App, deps: Deps) -> None:
    @app.action(re.compile(rf"^{followup_blocks.ANSWER_ACTION_PREFIX}(yes|partly|no)$"))
    def answer(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        value, _, choice = (action.get("value") or "").partition(":")
        try:
            followup_id = whole_number(value)
            if followup_id is None:
                raise UserFacingError("That button does not point at a question.")
            with unit_of_work(deps.session_factory) as session:
                view = answer_followup(
                    session, body["team"]["id"], followup_id, body["user"]["id"], choice, now()
                )
        except UserFacingError as error:
            message = str(error)
            send_safely(
                "follow-up error",
                lambda: respond(
                    blocks=error_blocks(message), text=error_text(message), replace_original=False
                ),
            )
            return
        send_safely(
            "follow-up thanks",
            lambda: respond(
                blocks=followup_blocks.followup_thanks_blocks(view),
                text="Thanks!",
                replace_original=True,
            ),
        )

    @app.action(followup_blocks.REOPEN_ACTION)
    def reopen(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        try:
            followup_id = whole_number(action.get("value"))
            if followup_id is None:
                raise UserFacingError("That button does not point at a question.")
            with unit_of_work(deps.session_factory) as session:
                view = reopen_as_request(
                    session, body["team"]["id"], followup_id, body["user"]["id"], now()
                )
        except UserFacingError as error:
            message = str(error)
            send_safely(
                "follow-up error",
                lambda: respond(
                    blocks=error_blocks(message), text=error_text(message), replace_original=False
                ),
            )
            return
        send_safely(
            "follow-up reopened",
            lambda: respond(
                blocks=followup_blocks.followup_thanks_blocks(view),
                text="Back on the roadmap.",
                replace_original=True,
            ),
        )

    @app.action(followup_blocks.COMMENT_ACTION)
    def open_comment(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        container = body.get("container") or {}
        followup_id = whole_number(action.get("value"))
        if followup_id is None:
            return
        modal = followup_blocks.followup_comment_modal(
            followup_id,
            None,
            str(container.get("channel_id") or ""),
            str(container.get("message_ts") or ""),
        )
        send_safely(
            "follow-up comment modal",
            lambda: client.views_open(trigger_id=body["trigger_id"], view=modal),
        )

    @app.view(followup_blocks.COMMENT_MODAL)
    def save(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        meta = _metadata(view)
        values = view.get("state", {}).get("values", {})
        block = values.get(followup_blocks.COMMENT_BLOCK, {})
        text = block.get(followup_blocks.COMMENT_INPUT, {}).get("value") or ""
        try:
            with unit_of_work(deps.session_factory) as session:
                saved = comment_followup(
                    session,
                    body["team"]["id"],
                    _metadata_id(meta, "followup"),
                    body["user"]["id"],
                    text,
                    now(),
                )
        except UserFacingError as error:
            ack(response_action="errors", errors={followup_blocks.COMMENT_BLOCK: str(error)[:150]})
            return
        ack()
        update_in_place(
            client, meta, followup_blocks.followup_thanks_blocks(saved), "Thanks!", "follow-up"
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
