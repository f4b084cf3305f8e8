"""Linear's GraphQL API: an issue's workflow state type.

``POST {api}`` (https://api.linear.app/graphql) with ``Authorization: <personal API key>``
and ``issue(id: "ENG-12") { identifier state { type } }`` (the identifier is passed as a
variable). Linear answers a rate limit with HTTP 400 and an error whose
``extensions.code`` is ``RATELIMITED``; ``X-RateLimit-Requests-Reset`` says when the
request budget refills (epoch milliseconds). An unknown issue is an "Entity not found"
error.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import SecretStr

from bot.runtime.trackers.http import (
    Answer,
    Clock,
    epoch,
    exchange,
    not_found,
    rate_limited,
    refused,
    retry_after,
    unexpected,
)
from bot.runtime.web.webhooks import LINEAR_TYPE_STATES
from bot.services.roadmap.links import Tracker
from bot.services.roadmap.sync import TrackerReadError
from storage.models import utcnow

NAME = "Linear"
QUERY = "query Item($id: String!) { issue(id: $id) { identifier state { type } } }"


class LinearReader:
    tracker = Tracker.LINEAR

    def __init__(self, api: str, token: SecretStr, clock: Clock = utcnow) -> None:
        self.api = api
        self._token = token
        self.clock = clock

    def read_state(self, item: str) -> str:
        body = json.dumps({"query": QUERY, "variables": {"id": item}}).encode()
        answer = exchange(
            NAME,
            self.api,
            {
                "Authorization": self._token.get_secret_value(),
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            body,
        )
        payload = answer.json(NAME) if answer.body.strip().startswith(b"{") else {}
        if not isinstance(payload, dict):
            raise unexpected(NAME, answer.status)
        self._raise_for(answer, _error_codes(payload))
        issue = (payload.get("data") or {}).get("issue")
        if issue is None:
            raise not_found(answer.status)
        try:
            return LINEAR_TYPE_STATES[str(issue["state"]["type"])]
        except (KeyError, TypeError):
            raise TrackerReadError(f"{NAME} answered an unexpected state") from None

    def _raise_for(self, answer: Answer, codes: dict[str, str]) -> None:
        now = self.clock()
        if answer.status == 429 or "RATELIMITED" in codes.values():
            reset = epoch(answer.header("x-ratelimit-requests-reset"), millis=True)
            raise rate_limited(NAME, retry_after(answer, now) or reset, now)
        if answer.status in (401, 403) or {"AUTHENTICATION_ERROR", "FORBIDDEN"} & set(
            codes.values()
        ):
            raise refused(NAME, answer.status, "PULSEBOARD_LINEAR_TOKEN")
        if any("not found" in message.lower() for message in codes):
            raise not_found(answer.status)
        if answer.status != 200 or codes:
            raise unexpected(NAME, answer.status)


def _error_codes(payload: Any) -> dict[str, str]:
    """The answer's GraphQL errors: message → extensions.code."""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    found: dict[str, str] = {}
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict):
            extensions = error.get("extensions") or {}
            code = extensions.get("code", "") if isinstance(extensions, dict) else ""
            found[str(error.get("message", ""))] = str(code)
    return found
