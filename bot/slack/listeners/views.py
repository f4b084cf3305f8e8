"""Modal submissions: the feature request form.

What is wrong with a submission, a busy database included, is told on the form's fields
(``response_action: errors``), here: the error handler would push a separate modal.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services.forms import FormField, RequestForm, submit_form
from bot.services.requests import ACK_WRITE_TIMEOUT_SECONDS, BUSY, set_message_link
from bot.slack.blocks import ids
from bot.slack.blocks.feedback import FormOrigin, thread_note
from bot.slack.calls import send_safely
from bot.slack.context import deps_of
from bot.slack.state import field_state, selected
from storage.enums import RequestSource
from storage.errors import DatabaseBusyError
from storage.unit_of_work import unit_of_work

logger = logging.getLogger(__name__)

FORM_BUSY = BUSY.removeprefix(":hourglass: ")
FIELD_BLOCKS = {
    FormField.TITLE: ids.TITLE_BLOCK,
    FormField.DETAILS: ids.DETAILS_BLOCK,
    FormField.DOMAIN: ids.DOMAIN_BLOCK,
    FormField.PAIN: ids.PAIN_BLOCK,
    FormField.OBJECTIVE: ids.OBJECTIVE_BLOCK,
}
#: Slack shows at most this much of a field's error.
FIELD_ERROR_CHARS = 150


def register(app: App) -> None:
    app.view(ids.FEEDBACK_MODAL)(submit)


def submission_key(body: dict[str, Any]) -> str:
    return f"view:{body['team']['id']}:{body['view']['id']}"


def request_source(origin: FormOrigin) -> RequestSource:
    try:
        return RequestSource(origin.source)
    except ValueError:
        return RequestSource.HOME


def submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Check the fields, store, close the modal; then, after the ack, link a request
    logged from a message to it."""
    deps = deps_of(context)
    try:
        with unit_of_work(
            deps.session_factory, body["team"]["id"], write_timeout=ACK_WRITE_TIMEOUT_SECONDS
        ) as uow:
            result = submit_form(uow, read_form(body, view))
    except DatabaseBusyError:
        ack(response_action="errors", errors={ids.TITLE_BLOCK: FORM_BUSY})
        return
    if result.logged is None:
        ack(response_action="errors", errors=field_errors(result.errors))
        return
    ack()
    if result.logged.created:
        deps.placement_queued()
        try:
            link_and_tell_thread(body, view, client, context, result.logged.id)
        except Exception:  # the request is stored: not an error to answer the person with
            logger.exception("could not link request %s to its message", result.logged.id)


def read_form(body: dict[str, Any], view: dict[str, Any]) -> RequestForm:
    origin = FormOrigin.from_metadata(view.get("private_metadata", ""))
    user_id = body["user"]["id"]
    return RequestForm(
        submitter=user_id,
        requester=origin.requester or user_id,
        source=request_source(origin),
        idempotency_key=submission_key(body),
        title=field_state(view, ids.TITLE_BLOCK, ids.TITLE_INPUT).get("value") or "",
        details=field_state(view, ids.DETAILS_BLOCK, ids.DETAILS_INPUT).get("value") or "",
        domain=selected(view, ids.DOMAIN_BLOCK, ids.DOMAIN_INPUT),
        pain=selected(view, ids.PAIN_BLOCK, ids.PAIN_INPUT),
        objective=selected(view, ids.OBJECTIVE_BLOCK, ids.OBJECTIVE_INPUT),
    )


def field_errors(errors: Mapping[FormField, str]) -> dict[str, str]:
    return {FIELD_BLOCKS[name]: message[:FIELD_ERROR_CHARS] for name, message in errors.items()}


def link_and_tell_thread(
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    request_id: int,
) -> None:
    """For a request logged from a message: store its permalink, and say so in its
    thread if asked. (Its asker hears where it was placed from the placement worker.)"""
    origin = FormOrigin.from_metadata(view.get("private_metadata", ""))
    channel, message_ts = origin.channel, origin.message_ts
    if not (channel and message_ts):
        return
    try:
        found = client.chat_getPermalink(channel=channel, message_ts=message_ts)
        permalink = str(found["permalink"])
    except Exception as error:
        logger.warning("no permalink for request %s: %s", request_id, error)
    else:
        with unit_of_work(deps_of(context).session_factory, body["team"]["id"]) as uow:
            set_message_link(uow, request_id, permalink)
    if field_state(view, ids.THREAD_BLOCK, ids.THREAD_INPUT).get("selected_options"):
        send_safely(
            "thread note",
            lambda: client.chat_postMessage(
                channel=channel,
                thread_ts=message_ts,
                text=thread_note(request_id, body["user"]["id"]),
            ),
        )
