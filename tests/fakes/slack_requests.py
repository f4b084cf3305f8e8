"""Signed requests exactly as Slack sends them to an app, and a loopback-only sender.

Encodings, as Slack uses them:

- slash commands: form fields (``application/x-www-form-urlencoded``);
- interactions (block_actions, view_submission, message_action, shortcut): one form field
  ``payload=<json>``;
- Events API (event_callback, url_verification): a JSON body (``application/json``).

Every builder signs with ``secret`` (default :data:`SIGNING_SECRET`) at ``timestamp``
(default now); see :class:`SignedRequest` for retries, re-signing and bad signatures.
"""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.fakes import slack_ids as ids
from tests.fakes import slack_payloads as payloads
from tests.fakes.slack_payloads import UNSERVED_RESPONSE_URL
from tests.fakes.slack_signing import FORM, JSON, SIGNING_SECRET, SignedRequest, sign

__all__ = [
    "SIGNING_SECRET",
    "SignedRequest",
    "block_action",
    "event_callback",
    "global_shortcut",
    "message_action",
    "post",
    "slash_command",
    "url_verification",
    "view_submission",
]


def slash_command(
    command: str,
    text: str = "",
    *,
    user_id: str = ids.USER_ID,
    team_id: str = ids.TEAM_ID,
    channel_id: str = ids.CHANNEL_ID,
    channel_name: str | None = None,
    trigger_id: str | None = None,
    response_url: str = UNSERVED_RESPONSE_URL,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A slash command invocation (``command`` with its leading slash, e.g. ``/feedback``)."""
    fields = {
        "token": ids.VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": payloads.team_ref(team_id)["domain"],
        "channel_id": channel_id,
        "channel_name": payloads.channel_ref(channel_id, channel_name)["name"],
        "user_id": user_id,
        "user_name": payloads.user_name_of(user_id),
        "command": command,
        "text": text,
        "api_app_id": ids.API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or payloads.trigger_id(),
    }
    return sign(urlencode(fields), FORM, secret=secret, timestamp=timestamp)


def block_action(
    action_id: str,
    value: str | None = None,
    user_id: str = ids.USER_ID,
    *,
    block_id: str = "actions",
    action_type: str = "button",
    action: dict[str, Any] | None = None,
    team_id: str = ids.TEAM_ID,
    channel_id: str = ids.CHANNEL_ID,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    state_values: dict[str, Any] | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A click on an interactive element.

    With ``view`` the element is in a Home tab or modal (container ``view``, no channel,
    no response URL); otherwise it is in ``message`` (default: a message the app posted)
    in ``channel_id``. ``action`` adds fields to the action, e.g. ``selected_option``.
    """
    element: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": payloads.action_ts(),
    }
    if action_type == "button":
        element["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
    if value is not None:
        element["value"] = value
    element |= action or {}
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": payloads.user_ref(user_id, team_id),
        "api_app_id": ids.API_APP_ID,
        "token": ids.VERIFICATION_TOKEN,
        "trigger_id": trigger_id or payloads.trigger_id(),
        "team": payloads.team_ref(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if view is not None:
        full_view = payloads.view_object(view)
        payload["container"] = container or {"type": "view", "view_id": full_view["id"]}
        payload["view"] = full_view
        if response_url is not None:
            payload["response_url"] = response_url
    else:
        msg = message or payloads.bot_message()
        payload["container"] = container or {
            "type": "message",
            "message_ts": msg["ts"],
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = payloads.channel_ref(channel_id)
        payload["message"] = msg
        payload["state"] = {"values": state_values or {}}
        payload["response_url"] = response_url or UNSERVED_RESPONSE_URL
    payload["actions"] = [element]
    return _interaction(payload, secret, timestamp)


def view_submission(
    callback_id: str,
    state_values: dict[str, Any],
    user_id: str = ids.USER_ID,
    *,
    private_metadata: str = "",
    view_id: str | None = None,
    team_id: str = ids.TEAM_ID,
    view: dict[str, Any] | None = None,
    response_urls: list[dict[str, str]] | None = None,
    trigger_id: str | None = None,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A modal submitted; ``state_values`` is ``{block_id: {action_id: element state}}``.

    ``view`` can carry the rest of the modal (blocks, title, the one ``views.open`` returned).
    """
    fields: dict[str, Any] = {
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "state": {"values": state_values},
    }
    if view_id is not None:
        fields["id"] = view_id
    payload = {
        "type": "view_submission",
        "team": payloads.team_ref(team_id),
        "user": payloads.user_ref(user_id, team_id),
        "api_app_id": ids.API_APP_ID,
        "token": ids.VERIFICATION_TOKEN,
        "trigger_id": trigger_id or payloads.trigger_id(),
        "view": payloads.view_object(view, **fields),
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _interaction(payload, secret, timestamp)


def message_action(
    callback_id: str,
    message: dict[str, Any],
    channel_id: str = ids.CHANNEL_ID,
    user_id: str = ids.USER_ID,
    response_url: str = UNSERVED_RESPONSE_URL,
    *,
    team_id: str = ids.TEAM_ID,
    channel_name: str | None = None,
    trigger_id: str | None = None,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A message shortcut used on ``message`` (give at least ``text``, ``user``, ``ts``)."""
    msg = {"type": "message", "team": team_id, **message}
    payload = {
        "type": "message_action",
        "token": ids.VERIFICATION_TOKEN,
        "action_ts": payloads.action_ts(),
        "team": payloads.team_ref(team_id),
        "user": payloads.user_ref(user_id, team_id),
        "channel": payloads.channel_ref(channel_id, channel_name),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or payloads.trigger_id(),
        "response_url": response_url,
        "message_ts": msg.get("ts", ""),
        "message": msg,
    }
    return _interaction(payload, secret, timestamp)


def global_shortcut(
    callback_id: str,
    user_id: str = ids.USER_ID,
    *,
    team_id: str = ids.TEAM_ID,
    trigger_id: str | None = None,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A global shortcut (the manifest declares none today; here for completeness)."""
    payload = {
        "type": "shortcut",
        "token": ids.VERIFICATION_TOKEN,
        "action_ts": payloads.action_ts(),
        "team": payloads.team_ref(team_id),
        "user": payloads.user_ref(user_id, team_id),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or payloads.trigger_id(),
    }
    return _interaction(payload, secret, timestamp)


def event_callback(
    event: dict[str, Any],
    event_id: str | None = None,
    team_id: str = ids.TEAM_ID,
    *,
    event_time: int | None = None,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """An Events API delivery wrapping ``event`` (``event_ts`` is added when missing)."""
    body = {
        "token": ids.VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": ids.API_APP_ID,
        "event": {"event_ts": payloads.action_ts(), **event},
        "type": "event_callback",
        "event_id": event_id or payloads.event_id(),
        "event_time": event_time or int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": ids.BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{team_id}-{ids.API_APP_ID}",
    }
    return sign(json.dumps(body), JSON, secret=secret, timestamp=timestamp)


def url_verification(
    challenge: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> SignedRequest:
    """The handshake Slack sends when a Request URL is saved; the app echoes ``challenge``."""
    body = {"token": ids.VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return sign(json.dumps(body), JSON, secret=secret, timestamp=timestamp)


def post(url: str, req: SignedRequest, timeout: float = 5.0) -> tuple[int, str, dict[str, str]]:
    """Send ``req`` to an app on loopback; returns status, body and headers (any status).

    Refuses any host but loopback, so a test can never reach Slack or anything else.
    """
    host = urlsplit(url).hostname or ""
    if not _is_loopback(host):
        raise ValueError(f"refusing to send a request off this machine: {url}")
    request = urllib.request.Request(
        url, data=req.body.encode(), headers=req.headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), dict(response.headers.items())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers.items())


def _interaction(payload: dict[str, Any], secret: str, timestamp: int | None) -> SignedRequest:
    body = urlencode({"payload": json.dumps(payload)})
    return sign(body, FORM, secret=secret, timestamp=timestamp)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
