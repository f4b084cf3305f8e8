"""Answers for requests that fail: the one place where an exception becomes an answer.

Registered as bolt's error handler, so it sees every listener's and middleware's
exception, before or after its ack (no listener is lazy: bolt only logs what those
raise). A request that was never verified (its
signature check raised instead of saying no) is answered with 401 and nothing else: no
response URL, no Web API call. Otherwise the failure is classified (bot/slack/failures.py:
an outage gets "try again in a minute", bad input "that input is not valid", a refusal
(a service's UserFacingError, a busy database) its own message as a warning, anything
else "something went wrong"), so a listener lets a refusal raise rather than answer it.
A listener that failed before ``ack()`` is answered in the HTTP response (an ephemeral
message for a command, a small modal pushed over a submitted form); one that failed
after its ack is answered through the response URL (only Slack's:
bot/slack/response_urls.py), or a modal opened with the trigger. Events have no one
to answer: they are acknowledged and logged. Nothing is stored for such a request, and
the connection pool's pre-ping reconnects by itself once the database is back.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from slack_bolt import BoltContext, BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.blocks.elements import section
from bot.slack.failures import Failure, classify
from bot.slack.response_urls import GuardedRespond
from bot.slack.trust import guarded_respond, was_verified

logger = logging.getLogger(__name__)

ACK_POLL_GRACE_SECONDS = 0.1


def handle_error(
    error: Exception,
    body: dict[str, Any],
    request: BoltRequest,
    response: BoltResponse | None,
    context: BoltContext,
    client: WebClient,
) -> BoltResponse | None:
    """Bolt error handler: never a silent drop, never a bare 500 for a person, and never
    an answer to a request that was not verified."""
    if not was_verified(request):
        logger.warning("refused a request that failed verification: %s", type(error).__name__)
        if response is None:
            return None
        return BoltResponse(status=401, body={"error": "invalid request"})
    failure = classify(error)
    if response is not None:
        immediate = answer_in_ack(body, failure)
        if immediate is not None:
            return immediate
    answer_later(body, failure, guarded_respond(context), client)
    if response is None:
        _let_the_ack_go_out()
        return None
    return BoltResponse(status=200, body="")


def _let_the_ack_go_out() -> None:
    """Work around a race in bolt's thread runner (1.30): after the error handler of a
    listener that had already acked returns, bolt sets ``ack.response = None``. If that
    happens before the request thread (polling every 10 ms) has read the ack, Slack gets
    a 404 instead. The ack is set by now; waiting a moment lets the request thread see it.
    """
    time.sleep(ACK_POLL_GRACE_SECONDS)


def answer_in_ack(body: dict[str, Any], failure: Failure) -> BoltResponse | None:
    """The answer Slack shows from the HTTP response itself, where there is one."""
    if body.get("type") == "view_submission":
        return _json({"response_action": "push", "view": notice_view(failure)})
    if "command" in body:
        answer: dict[str, Any] = {"response_type": "ephemeral", "text": failure.text}
        if failure.blocks:
            answer["blocks"] = failure.blocks
        return _json(answer)
    return None


def answer_later(
    body: dict[str, Any], failure: Failure, respond: GuardedRespond | None, client: WebClient
) -> None:
    """Answer through the response URL, else in a modal opened with the trigger."""
    if body.get("type") == "event_callback":
        return
    if respond is not None and respond.response_url:
        try:
            respond(
                text=failure.text,
                blocks=failure.blocks,
                response_type="ephemeral",
                replace_original=False,
            )
        except Exception as error:  # best effort: the failure is logged, not raised
            logger.warning("could not answer through response_url: %s", type(error).__name__)
        return
    _open_notice(client, body, failure)


def _open_notice(client: WebClient, body: dict[str, Any], failure: Failure) -> None:
    trigger_id = body.get("trigger_id")
    if not trigger_id:
        return
    try:
        client.views_open(trigger_id=trigger_id, view=notice_view(failure))
    except (SlackApiError, OSError) as error:
        logger.warning("could not open the notice modal: %s", type(error).__name__)


def notice_view(failure: Failure) -> dict[str, Any]:
    blocks = failure.blocks or [section(failure.text)]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Pulseboard"},
        "close": {"type": "plain_text", "text": "OK"},
        "blocks": blocks,
    }


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload), headers={"content-type": "application/json"}
    )
