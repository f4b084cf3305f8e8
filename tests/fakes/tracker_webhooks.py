"""Trackers' webhook deliveries, signed the way GitHub, Jira and Linear sign them.

GitHub sends ``X-Hub-Signature-256: sha256=<hex>``, Jira ``X-Hub-Signature: sha256=<hex>``
and Linear ``Linear-Signature: <hex>``, each the HMAC-SHA256 of the raw body under the
webhook's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from bot.runtime.http_server import WSGIApp, make_wsgi_app
from bot.runtime.web.webhooks import GITHUB_PATH, JIRA_PATH, LINEAR_PATH, WebhookHandler
from bot.services.roadmap.following import FollowMode, FollowPolicy
from storage.db import SessionFactory
from tests.fixtures.tracker_links import link_states

SECRET = "It's a Secret to Everybody"
#: Themes whose links change ask the PM who linked them (U0PM00001) before they follow.
POLICY = FollowPolicy(FollowMode.CONFIRM, frozenset({"U0PM00001"}))
WS = "T0HOOKS01"  # the workspace that links the items


@dataclass(frozen=True)
class Delivery:
    path: str
    body: bytes
    headers: dict[str, str]


def _body(payload: Any) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def _hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github(payload: Any, event: str, delivery: str, secret: str = SECRET) -> Delivery:
    body = _body(payload)
    headers = {
        "X-Hub-Signature-256": "sha256=" + _hex(secret, body),
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
    }
    return Delivery(GITHUB_PATH, body, headers)


def jira(payload: Any, delivery: str | None, secret: str = SECRET) -> Delivery:
    """``delivery`` None: no ``X-Atlassian-Webhook-Identifier``, as a Jira may send."""
    body = _body(payload)
    headers = {"X-Hub-Signature": "sha256=" + _hex(secret, body)}
    if delivery is not None:
        headers["X-Atlassian-Webhook-Identifier"] = delivery
    return Delivery(JIRA_PATH, body, headers)


def linear(payload: Any, delivery: str, secret: str = SECRET) -> Delivery:
    body = _body(payload)
    headers = {
        "Linear-Signature": _hex(secret, body),
        "Linear-Delivery": delivery,
        "Linear-Event": "Issue",
    }
    return Delivery(LINEAR_PATH, body, headers)


def router(hooks: dict[str, WebhookHandler]) -> WSGIApp:
    slack = App(signing_secret="x", token="xoxb-x", token_verification_enabled=False)
    return make_wsgi_app(slack, webhooks=hooks)


def post(app: WSGIApp, delivery: Delivery) -> tuple[str, dict[str, Any]]:
    """The status line and JSON answer of the app to ``delivery``."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": delivery.path,
        "CONTENT_LENGTH": str(len(delivery.body)),
        "CONTENT_TYPE": "application/json",
        "wsgi.input": io.BytesIO(delivery.body),
    }
    for name, value in delivery.headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    statuses: list[str] = []
    answer = b"".join(app(environ, lambda status, _headers: statuses.append(status)))
    return statuses[0], json.loads(answer)


def item_states(sessions: SessionFactory) -> dict[str, str | None]:
    """Each linked item's state (the tests link each item once)."""
    return {item: state for (_, _, item), state in link_states(sessions).items()}
