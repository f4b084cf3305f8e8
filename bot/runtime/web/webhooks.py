"""Trackers' webhooks: `POST /webhooks/github`, `/webhooks/jira` and `/webhooks/linear`.

Each is verified as its tracker documents, with the HMAC-SHA256 of the raw body under the
webhook secret, compared in constant time; anything else is refused with 401 before the
body is read as JSON:

- GitHub: ``X-Hub-Signature-256: sha256=<hex>``; the delivery is ``X-GitHub-Delivery``.
- Jira (Cloud admin webhooks with a secret, and Data Center): ``X-Hub-Signature:
  sha256=<hex>``; the delivery is ``X-Atlassian-Webhook-Identifier`` (the same across Jira's
  retries).
- Linear: ``Linear-Signature: <hex>``; the delivery is ``Linear-Delivery``, and the body's
  ``webhookTimestamp`` (ms) must be within a minute of now, else 401: a captured delivery
  cannot be replayed later.

Each delivery is acted on once, so a redelivery changes nothing (one that comes without its
id is known by the digest of its body, which a retry repeats). A tracker that is not
configured has no endpoint (404). Only the item and its new state go further: the
payloads' shapes stay here, and so does what each tracker's states mean, which polling
(bot/runtime/trackers) reads from here too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from bot.runtime.settings import Settings
from bot.services.roadmap.following import FollowPolicy
from bot.services.roadmap.links import Tracker, record_item_state
from storage.db import SessionFactory
from storage.unit_of_work import unit_of_work

GITHUB_PATH = "/webhooks/github"
JIRA_PATH = "/webhooks/jira"
LINEAR_PATH = "/webhooks/linear"

#: (status line, JSON answer) for a delivery's raw body and its WSGI environ.
WebhookHandler = Callable[[bytes, Mapping[str, Any]], tuple[str, dict[str, Any]]]
#: The item and its state a verified delivery reports, or the name of its event when it is
#: one not followed; ValueError/KeyError/TypeError when the payload is not the tracker's.
Reader = Callable[[Mapping[str, Any], Any], tuple[str, str] | str]
#: Seconds since the epoch.
Clock = Callable[[], float]

#: How far Linear's ``webhookTimestamp`` may be from now (Linear's SDK allows a minute).
LINEAR_MAX_SKEW_SECONDS = 60.0

JIRA_EVENTS = frozenset({"jira:issue_created", "jira:issue_updated"})
#: Jira's status categories (``statusCategory.key``); a done issue's resolution may make it
#: not planned.
JIRA_CATEGORY_STATES = {
    "new": "open",
    "undefined": "open",
    "indeterminate": "in_progress",
    "done": "done",
}
JIRA_NOT_DONE_RESOLUTIONS = frozenset({"won't do", "won't fix", "duplicate", "cannot reproduce"})
#: Linear's workflow state types. A duplicate is moved to a canceled state; "duplicate"
#: is read the same should a state report it as its type.
LINEAR_TYPE_STATES = {
    "triage": "open",
    "backlog": "open",
    "unstarted": "open",
    "started": "in_progress",
    "completed": "done",
    "canceled": "not_planned",
    "duplicate": "not_planned",
}


class StaleDeliveryError(Exception):
    """A signed delivery too old (or too far ahead) to be trusted: a possible replay."""


@dataclass(frozen=True)
class Signing:
    """Where a tracker puts its signature and delivery id (WSGI environ keys)."""

    tracker: Tracker
    signature: str
    delivery: str
    prefix: str = ""


GITHUB = Signing(Tracker.GITHUB, "HTTP_X_HUB_SIGNATURE_256", "HTTP_X_GITHUB_DELIVERY", "sha256=")
JIRA = Signing(
    Tracker.JIRA, "HTTP_X_HUB_SIGNATURE", "HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER", "sha256="
)
LINEAR = Signing(Tracker.LINEAR, "HTTP_LINEAR_SIGNATURE", "HTTP_LINEAR_DELIVERY")


def webhook_handlers(settings: Settings, sessions: SessionFactory) -> dict[str, WebhookHandler]:
    """The endpoints of the configured trackers, by path."""
    policy = FollowPolicy.from_settings(settings)
    handlers: dict[str, WebhookHandler] = {}
    if settings.github_webhook_secret is not None:
        handlers[GITHUB_PATH] = github_webhook(settings.github_webhook_secret, sessions, policy)
    if settings.jira_webhook_secret is not None:
        handlers[JIRA_PATH] = jira_webhook(settings.jira_webhook_secret, sessions, policy)
    if settings.linear_webhook_secret is not None:
        handlers[LINEAR_PATH] = linear_webhook(settings.linear_webhook_secret, sessions, policy)
    return handlers


def signed_webhook(
    signing: Signing,
    secret: SecretStr,
    sessions: SessionFactory,
    policy: FollowPolicy,
    read: Reader,
) -> WebhookHandler:
    """The flow every tracker shares: signature, payload, the delivery acted on once (the
    themes of the links it changes follow them by ``policy``)."""
    key = secret.get_secret_value().encode()

    def handle(body: bytes, environ: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        expected = signing.prefix + hmac.new(key, body, hashlib.sha256).hexdigest()
        given = str(environ.get(signing.signature, ""))
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return "401 Unauthorized", {"error": "invalid signature"}
        try:
            found = read(environ, json.loads(body))
        except StaleDeliveryError:
            return "401 Unauthorized", {"error": "stale delivery"}
        except (ValueError, KeyError, TypeError):
            return "400 Bad Request", {"error": "malformed"}
        if isinstance(found, str):
            return "202 Accepted", {"ok": True, "ignored": found}
        item, state = found
        # a delivery without its id is known by its body: a retry repeats it
        delivery = str(environ.get(signing.delivery, "")) or (
            "sha256:" + hashlib.sha256(body).hexdigest()
        )
        with unit_of_work(sessions) as uow:
            touched = record_item_state(uow, signing.tracker, item, state, delivery, policy=policy)
        if touched is None:
            return "200 OK", {"ok": True, "duplicate": True}
        return "200 OK", {"ok": True, "links": touched}

    return handle


def github_webhook(
    secret: SecretStr, sessions: SessionFactory, policy: FollowPolicy
) -> WebhookHandler:
    def read(environ: Mapping[str, Any], payload: Any) -> tuple[str, str] | str:
        event = str(environ.get("HTTP_X_GITHUB_EVENT", ""))
        return github_item_state(event, payload) or event

    return signed_webhook(GITHUB, secret, sessions, policy, read)


def jira_webhook(
    secret: SecretStr, sessions: SessionFactory, policy: FollowPolicy
) -> WebhookHandler:
    def read(_environ: Mapping[str, Any], payload: Any) -> tuple[str, str] | str:
        return jira_item_state(payload) or str(payload["webhookEvent"])

    return signed_webhook(JIRA, secret, sessions, policy, read)


def linear_webhook(
    secret: SecretStr, sessions: SessionFactory, policy: FollowPolicy, clock: Clock = time.time
) -> WebhookHandler:
    def read(_environ: Mapping[str, Any], payload: Any) -> tuple[str, str] | str:
        sent = payload["webhookTimestamp"]
        if isinstance(sent, bool) or not isinstance(sent, int | float):
            raise TypeError("webhookTimestamp is not a number")
        now, skew = clock() * 1000, LINEAR_MAX_SKEW_SECONDS * 1000
        if not now - skew <= sent <= now + skew:  # also NaN, and ints too large for a float
            raise StaleDeliveryError
        return linear_item_state(payload) or str(payload["type"])

    return signed_webhook(LINEAR, secret, sessions, policy, read)


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


def jira_item_state(payload: Any) -> tuple[str, str] | None:
    """The issue key (``PLAT-12``) and its state, from ``jira:issue_created`` or
    ``jira:issue_updated``; None for other events."""
    if payload["webhookEvent"] not in JIRA_EVENTS:
        return None
    issue = payload["issue"]
    return _text(issue["key"]), jira_fields_state(issue["fields"])


def jira_fields_state(fields: dict[str, object]) -> str:
    """The state of an issue's ``fields`` (status and resolution), for the webhook and for
    polling; KeyError/TypeError when the shape is not Jira's."""
    status = fields["status"]
    category = status["statusCategory"]["key"]  # type: ignore[index]
    state = JIRA_CATEGORY_STATES[str(category)]
    resolution = fields.get("resolution")
    if state == "done" and isinstance(resolution, dict):
        name = str(resolution.get("name", "")).replace("\u2019", "'").strip().lower()
        if name in JIRA_NOT_DONE_RESOLUTIONS:
            return "not_planned"
    return state


def linear_item_state(payload: Any) -> tuple[str, str] | None:
    """The issue identifier (``ENG-7``) and its state, from an ``Issue`` delivery; None for
    other types, a removed issue and a state type Pulseboard does not know."""
    if payload["type"] != "Issue" or payload.get("action") == "remove":
        return None
    data = payload["data"]
    state = LINEAR_TYPE_STATES.get(_text(data["state"]["type"]))
    return None if state is None else (_text(data["identifier"]), state)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value
