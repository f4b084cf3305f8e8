"""Trackers' webhooks: `POST /webhooks/github` (Jira and Linear to come).

Verified as GitHub documents: ``X-Hub-Signature-256`` is ``sha256=`` and the hex
HMAC-SHA256 of the raw body with the webhook secret, compared in constant time; anything
else is refused with 401 before the body is read as JSON. Each delivery
(``X-GitHub-Delivery``) is acted on once, so a redelivery changes nothing. A tracker that is
not configured has no endpoint (404). Only the item and its new state go further: the
payload's shape stays here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import SecretStr

from bot.runtime.settings import Settings
from bot.services.roadmap.following import FollowPolicy
from bot.services.roadmap.links import Tracker, record_item_state
from storage.db import SessionFactory
from storage.unit_of_work import unit_of_work

GITHUB_PATH = "/webhooks/github"

#: (status line, JSON answer) for a delivery's raw body and its WSGI environ.
WebhookHandler = Callable[[bytes, Mapping[str, Any]], tuple[str, dict[str, Any]]]


def webhook_handlers(settings: Settings, sessions: SessionFactory) -> dict[str, WebhookHandler]:
    """The endpoints of the configured trackers, by path."""
    handlers: dict[str, WebhookHandler] = {}
    if settings.github_webhook_secret is not None:
        policy = FollowPolicy.from_settings(settings)
        handlers[GITHUB_PATH] = github_webhook(settings.github_webhook_secret, sessions, policy)
    return handlers


def github_webhook(
    secret: SecretStr, sessions: SessionFactory, policy: FollowPolicy
) -> WebhookHandler:
    key = secret.get_secret_value().encode()

    def handle(body: bytes, environ: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        given = str(environ.get("HTTP_X_HUB_SIGNATURE_256", ""))
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return "401 Unauthorized", {"error": "invalid signature"}
        event = str(environ.get("HTTP_X_GITHUB_EVENT", ""))
        delivery = str(environ.get("HTTP_X_GITHUB_DELIVERY", "")) or None
        try:
            payload = json.loads(body)
            found = github_item_state(event, payload)
        except (ValueError, KeyError, TypeError):
            return "400 Bad Request", {"error": "malformed"}
        if found is None:
            return "202 Accepted", {"ok": True, "ignored": event}
        item, state = found
        with unit_of_work(sessions) as uow:
            touched = record_item_state(uow, Tracker.GITHUB, item, state, delivery, policy=policy)
        if touched is None:
            return "200 OK", {"ok": True, "duplicate": True}
        return "200 OK", {"ok": True, "links": touched}

    return handle


def github_item_state(event: str, payload: Any) -> tuple[str, str] | None:
    """The item (``owner/repo#N``) and its state, from an ``issues`` or ``pull_request``
    delivery; None for any other event. KeyError/TypeError when the shape is not GitHub's."""
    if event not in ("issues", "pull_request"):
        return None
    repository = str(payload["repository"]["full_name"])
    if event == "issues":
        issue = payload["issue"]
        item = f"{repository}#{int(issue['number'])}"
        if issue["state"] == "closed":
            return item, "not_planned" if issue.get("state_reason") == "not_planned" else "done"
        return item, "in_progress" if issue.get("assignees") else "open"
    pull = payload["pull_request"]
    item = f"{repository}#{int(pull['number'])}"
    if pull["state"] == "closed":
        return item, "done" if pull.get("merged") else "closed"
    return item, "in_progress"
