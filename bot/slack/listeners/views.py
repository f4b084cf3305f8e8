"""Modal submissions: the feature request form."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.runtime.deps import Deps
from bot.services.errors import UserFacingError
from bot.services.requests import (
    ACK_WRITE_TIMEOUT_SECONDS,
    BUSY,
    MAX_TEXT_CHARS,
    NewRequest,
    log_request,
)
from bot.slack.blocks import ids
from bot.slack.blocks.feedback import FormOrigin, thread_note
from bot.slack.listeners.replies import send_safely
from storage.db import unit_of_work
from storage.enums import RequestSource
from storage.errors import DatabaseBusyError
from storage.repositories import DomainRepository, ObjectiveRepository, RequestRepository

logger = logging.getLogger(__name__)

FORM_BUSY = BUSY.removeprefix(":hourglass: ")


def form_value(view: dict[str, Any], block_id: str, action_id: str) -> Any:
    return view.get("state", {}).get("values", {}).get(block_id, {}).get(action_id, {})


def selected(view: dict[str, Any], block_id: str, action_id: str) -> str | None:
    option = form_value(view, block_id, action_id).get("selected_option") or {}
    return option.get("value")


def request_source(origin: FormOrigin) -> RequestSource:
    try:
        return RequestSource(origin.source)
    except ValueError:
        return RequestSource.HOME


def submission_key(body: dict[str, Any]) -> str:
    return f"view:{body['team']['id']}:{body['view']['id']}"


def register(app: App, deps: Deps) -> None:
    @app.view(ids.FEEDBACK_MODAL)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        """Validate on the fields, store, close the modal; then, after the ack, link a
        request logged from a message to it."""
        team_id = body["team"]["id"]
        user_id = body["user"]["id"]
        origin = FormOrigin.from_metadata(view.get("private_metadata", ""))
        title = (form_value(view, ids.TITLE_BLOCK, ids.TITLE_INPUT).get("value") or "").strip()
        details = form_value(view, ids.DETAILS_BLOCK, ids.DETAILS_INPUT).get("value") or ""
        domain = selected(view, ids.DOMAIN_BLOCK, ids.DOMAIN_INPUT)
        pain = selected(view, ids.PAIN_BLOCK, ids.PAIN_INPUT)
        objective = selected(view, ids.OBJECTIVE_BLOCK, ids.OBJECTIVE_INPUT)
        errors: dict[str, str] = {}
        if not title:
            errors[ids.TITLE_BLOCK] = "Give your request a short title."
        elif len(title) > 150:
            errors[ids.TITLE_BLOCK] = "Keep the title under 150 characters."
        if len(details) > MAX_TEXT_CHARS:
            errors[ids.DETAILS_BLOCK] = f"Keep the details under {MAX_TEXT_CHARS:,} characters."
        if pain is not None and pain not in {"1", "2", "3", "4", "5"}:
            errors[ids.PAIN_BLOCK] = "Pick one of the five answers."
        try:
            with unit_of_work(deps.session_factory, ACK_WRITE_TIMEOUT_SECONDS) as session:
                if (
                    domain is not None
                    and DomainRepository(session, team_id).by_name(domain) is None
                ):
                    errors[ids.DOMAIN_BLOCK] = "That domain does not exist any more; pick another."
                objective_id = None
                if objective is not None:
                    found = ObjectiveRepository(session, team_id).by_name(objective)
                    if found is None or not found.active:
                        errors[ids.OBJECTIVE_BLOCK] = "That objective is not active any more."
                    else:
                        objective_id = found.id
                if errors:
                    ack(response_action="errors", errors=errors)
                    return
                new = NewRequest(
                    workspace_id=team_id,
                    requester_slack_id=origin.requester or user_id,
                    logged_by_slack_id=user_id if origin.source == RequestSource.SHORTCUT else None,
                    text=title,
                    body=details,
                    source=request_source(origin),
                    idempotency_key=submission_key(body),
                    domain=domain,
                    pain=int(pain) if pain else None,
                    confirm_to=user_id,
                )
                try:
                    logged = log_request(session, new)
                except UserFacingError as error:
                    ack(response_action="errors", errors={ids.TITLE_BLOCK: str(error)[:150]})
                    return
                if objective_id is not None:
                    request = RequestRepository(session, team_id).by_id(logged.id)
                    assert request is not None
                    request.objective_id = objective_id
        except DatabaseBusyError:
            # Another writer held SQLite past the ack's budget: nothing was stored.
            ack(response_action="errors", errors={ids.TITLE_BLOCK: FORM_BUSY})
            return
        ack()
        if logged.created:
            deps.placement_queued()
            try:
                link_and_tell_thread(body, view, client, logged.id)
            except Exception:  # the request is stored: not an error to answer the person with
                logger.exception("could not link request %s to its message", logged.id)

    def link_and_tell_thread(
        body: dict[str, Any], view: dict[str, Any], client: WebClient, request_id: int
    ) -> None:
        """For a request logged from a message: store its permalink, and say so in its
        thread if asked. (Its asker hears where it was placed from the placement worker.)"""
        origin = FormOrigin.from_metadata(view.get("private_metadata", ""))
        if not (origin.channel and origin.message_ts):
            return
        team_id = body["team"]["id"]
        user_id = body["user"]["id"]
        link_message(team_id, request_id, origin, client)
        if form_value(view, ids.THREAD_BLOCK, ids.THREAD_INPUT).get("selected_options"):
            send_safely(
                "thread note",
                lambda: client.chat_postMessage(
                    channel=origin.channel,
                    thread_ts=origin.message_ts,
                    text=thread_note(request_id, user_id),
                ),
            )

    def link_message(team_id: str, request_id: int, origin: FormOrigin, client: WebClient) -> None:
        try:
            permalink = client.chat_getPermalink(
                channel=origin.channel, message_ts=origin.message_ts
            )["permalink"]
        except Exception as error:
            logger.warning("no permalink for request %s: %s", request_id, error)
            return
        with unit_of_work(deps.session_factory) as session:
            request = RequestRepository(session, team_id).by_id(request_id)
            if request is not None:
                request.message_link = str(permalink)[:500]
