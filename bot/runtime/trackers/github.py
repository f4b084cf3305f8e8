"""GitHub's REST API (github.com and Enterprise Server): an issue's or a pull request's
state, mapped as the webhook maps it (``github_item_state``).

``GET /repos/{owner}/{repo}/issues/{n}`` answers for issues and pull requests alike (a pull
request carries a ``pull_request`` key); only a closed pull request needs
``GET /repos/{owner}/{repo}/pulls/{n}`` too, for ``merged``. The objects are those of the
``issues`` and ``pull_request`` webhook payloads, so the webhook's mapping is reused as is.
Rate limits as GitHub documents them: 403 or 429 with ``x-ratelimit-remaining: 0`` lasts
until ``x-ratelimit-reset`` (epoch seconds); a ``retry-after`` says how many seconds; a
secondary limit without either is left alone for a minute.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import SecretStr

from bot.runtime.settings import Settings
from bot.runtime.trackers.http import (
    Answer,
    Clock,
    epoch,
    exchange,
    raise_for_status,
    rate_limited,
    retry_after,
)
from bot.runtime.web.webhooks import github_item_state
from bot.services.roadmap.links import Tracker
from bot.services.roadmap.sync import TrackerReadError
from storage.models import utcnow

NAME = "GitHub"
API_VERSION = "2022-11-28"


def api_url(settings: Settings) -> str:
    """PULSEBOARD_GITHUB_API_URL, else api.github.com for github.com, else Enterprise
    Server's ``https://<host>/api/v3``."""
    if settings.github_api_url:
        return settings.github_api_url
    site = urlsplit(settings.github_url)
    if site.hostname in ("github.com", "www.github.com"):
        return "https://api.github.com"
    return f"{site.scheme}://{site.netloc}/api/v3"


class GitHubReader:
    tracker = Tracker.GITHUB

    def __init__(self, api: str, token: SecretStr, clock: Clock = utcnow) -> None:
        self.api = api.rstrip("/")
        self._token = token
        self.clock = clock

    def read_state(self, item: str) -> str:
        repository, _, number = item.rpartition("#")
        if not repository or not number.isdigit():
            raise TrackerReadError(f"{item!r} is not owner/repo#N")
        path = f"/repos/{quote(repository)}/issues/{number}"
        issue = self._get(path)
        repo = {"full_name": repository}
        try:
            if "pull_request" not in issue:
                found = github_item_state("issues", {"repository": repo, "issue": issue})
            else:
                closed = issue["state"] == "closed"
                pull = self._get(path.replace("/issues/", "/pulls/")) if closed else issue
                found = github_item_state(
                    "pull_request", {"repository": repo, "pull_request": pull}
                )
        except (KeyError, TypeError, ValueError):
            raise TrackerReadError(f"{NAME} answered an unexpected shape") from None
        if found is None:  # both events always map; kept for the type
            raise TrackerReadError(f"{NAME} answered an item with no state")
        return found[1]

    def _get(self, path: str) -> dict[str, Any]:
        answer = exchange(
            NAME,
            self.api + path,
            {
                "Authorization": f"Bearer {self._token.get_secret_value()}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
            },
        )
        self._raise_for(answer)
        payload = answer.json(NAME)
        if not isinstance(payload, dict) or "state" not in payload or "number" not in payload:
            raise TrackerReadError(f"{NAME} answered an unexpected shape")
        return payload

    def _raise_for(self, answer: Answer) -> None:
        now = self.clock()
        if answer.status in (403, 429):
            if answer.header("x-ratelimit-remaining") == "0":
                raise rate_limited(NAME, epoch(answer.header("x-ratelimit-reset")), now)
            if (
                answer.status == 429
                or answer.header("retry-after")
                or b"rate limit" in answer.body.lower()  # a secondary limit: wait a minute
            ):
                raise rate_limited(NAME, retry_after(answer, now), now)
        raise_for_status(NAME, answer, "PULSEBOARD_GITHUB_TOKEN", missing=(404, 410))
