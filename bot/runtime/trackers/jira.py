"""Jira's REST API (Cloud and Data Center): an issue's status category and resolution.

``GET {site}/rest/api/2/issue/{KEY}?fields=status,resolution``. Cloud takes Basic auth with
the account's email and an API token (PULSEBOARD_JIRA_EMAIL set); Data Center a personal
access token as ``Authorization: Bearer``. The status category's key (``new``,
``indeterminate``, ``done``) gives the state; a done issue whose resolution says the work
was not done is *not planned* (``jira_fields_state``, as the webhook maps it). Jira Cloud's
limits answer 429 with ``Retry-After`` (seconds); a 503 that carries one is treated alike,
as Atlassian advises.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from pydantic import SecretStr

from bot.runtime.trackers.http import (
    Clock,
    exchange,
    raise_for_status,
    rate_limited,
    retry_after,
)
from bot.runtime.web.webhooks import jira_fields_state
from bot.services.roadmap.links import Tracker
from bot.services.roadmap.sync import TrackerReadError
from storage.models import utcnow

NAME = "Jira"


class JiraReader:
    tracker = Tracker.JIRA

    def __init__(
        self, site: str, token: SecretStr, email: str | None = None, clock: Clock = utcnow
    ) -> None:
        self.site = site.rstrip("/")
        self._token = token
        self._email = email
        self.clock = clock

    def _authorization(self) -> str:
        if self._email:
            pair = f"{self._email}:{self._token.get_secret_value()}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return f"Bearer {self._token.get_secret_value()}"

    def read_state(self, item: str) -> str:
        url = f"{self.site}/rest/api/2/issue/{quote(item)}?fields=status,resolution"
        answer = exchange(
            NAME, url, {"Authorization": self._authorization(), "Accept": "application/json"}
        )
        now = self.clock()
        if answer.status == 429 or (answer.status == 503 and answer.header("retry-after")):
            raise rate_limited(NAME, retry_after(answer, now), now)
        raise_for_status(NAME, answer, "PULSEBOARD_JIRA_TOKEN (and PULSEBOARD_JIRA_EMAIL)")
        payload = answer.json(NAME)
        try:
            return jira_fields_state(payload["fields"])
        except (KeyError, TypeError, AttributeError):
            raise TrackerReadError(f"{NAME} answered an unexpected shape") from None
