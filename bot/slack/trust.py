"""Which requests the app trusts, and the ``respond`` every trusted request gets.

bolt's own middleware checks the signature first; the app's global middleware runs only
after it passed (or was skipped: in Socket Mode the socket authenticates Slack, and an app
built without a signing secret has chosen to trust its transport). So the first global
middleware marks the request as verified: a failure before that mark (a signature check
that raised instead of saying no) is answered with 401 and nothing else. It also puts a
:class:`~bot.slack.response_urls.GuardedRespond` in the context, which every listener and the
error handler then uses instead of bolt's own ``respond``. Then
:func:`check_input` refuses input the database cannot hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest

from bot.slack.response_urls import GuardedRespond, ResponseUrls
from bot.slack.validation import check_body

VERIFIED = "pulseboard_verified"
SOCKET_MODE = "socket_mode"

Middleware = Callable[..., Any]


def trust_middleware(urls: ResponseUrls) -> Middleware:
    """The app's first global middleware (register it before any other)."""

    def mark_verified(context: BoltContext, next: Callable[[], Any]) -> Any:
        context[VERIFIED] = True
        context["respond"] = GuardedRespond(
            response_url=context.response_url,
            urls=urls,
            proxy=context.client.proxy,
            ssl=context.client.ssl,
        )
        return next()

    return mark_verified


def check_input(body: dict[str, Any], next: Callable[[], Any]) -> Any:
    """Global middleware after :func:`trust_middleware`: input the database cannot hold
    (bot/slack/validation.py) is refused before any listener sees it, and answered by the
    error handler as "that input is not valid"."""
    check_body(body)
    return next()


def was_verified(request: BoltRequest) -> bool:
    return bool(request.context.get(VERIFIED)) or request.mode == SOCKET_MODE


def guarded_respond(context: BoltContext) -> GuardedRespond | None:
    """The request's guarded ``respond`` (never bolt's unguarded default), if it has one."""
    respond = context.get("respond")
    return respond if isinstance(respond, GuardedRespond) else None
