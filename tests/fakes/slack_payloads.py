"""Pieces of the payloads Slack sends to apps: user and team references, IDs, views, state.

Shapes follow Slack's interaction payload and Events API references; the builders in
:mod:`tests.fakes.slack_requests` assemble them into whole requests.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from typing import Any

from tests.fakes import slack_ids

# A response URL that never leaves the machine: port 9 (discard) on loopback refuses the
# connection. Builders use it when a test gives none, so a stray respond() fails loudly
# instead of reaching for hooks.slack.com.
UNSERVED_RESPONSE_URL = "http://127.0.0.1:9/response/unset"

_seq = itertools.count(1)


def action_ts() -> str:
    """A Slack-style ``action_ts``/``event_ts`` (``1712345678.000042``), increasing."""
    return f"{int(time.time())}.{next(_seq) % 1_000_000:06d}"


def message_ts() -> str:
    return action_ts()


def trigger_id() -> str:
    """A trigger ID shaped like Slack's (``<ts>.<team number>.<hex>``)."""
    n = next(_seq)
    digest = hashlib.sha1(str(n).encode()).hexdigest()[:32]
    return f"{int(time.time())}{n:04d}.{738474920 + n}.{digest}"


def event_id() -> str:
    return f"Ev0{next(_seq):08d}"


def user_name_of(user_id: str) -> str:
    return slack_ids.USER_NAME if user_id == slack_ids.USER_ID else user_id.lower()


def user_ref(user_id: str, team_id: str = slack_ids.TEAM_ID) -> dict[str, str]:
    """The ``user`` object of interaction payloads."""
    name = user_name_of(user_id)
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def team_ref(team_id: str = slack_ids.TEAM_ID) -> dict[str, str]:
    domain = slack_ids.TEAM_DOMAIN if team_id == slack_ids.TEAM_ID else team_id.lower()
    return {"id": team_id, "domain": domain}


def channel_ref(channel_id: str = slack_ids.CHANNEL_ID, name: str | None = None) -> dict[str, str]:
    default = slack_ids.CHANNEL_NAME if channel_id == slack_ids.CHANNEL_ID else channel_id.lower()
    return {"id": channel_id, "name": name or default}


def view_object(view: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A view as Slack sends it back in payloads: ``view`` and ``fields`` over defaults.

    Pass a view the fake Web API returned (``slack.home_view(user)``) to click a button in
    it, or only fields (``callback_id=..., state={"values": ...}``) for a modal.
    """
    given = {**(view or {}), **fields}
    view_id = given.get("id") or f"V0{next(_seq):08d}"
    return {
        "id": view_id,
        "team_id": slack_ids.TEAM_ID,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{hashlib.sha1(view_id.encode()).hexdigest()[:8]}",
        "title": {"type": "plain_text", "text": "Pulseboard", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": slack_ids.API_APP_ID,
        "external_id": "",
        "app_installed_team_id": slack_ids.TEAM_ID,
        "bot_id": slack_ids.BOT_ID,
        **given,
    }


def bot_message(text: str = "", blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A message the app posted, as it appears in a block_actions payload."""
    return {
        "type": "message",
        "user": slack_ids.BOT_USER_ID,
        "bot_id": slack_ids.BOT_ID,
        "app_id": slack_ids.API_APP_ID,
        "team": slack_ids.TEAM_ID,
        "text": text,
        "ts": message_ts(),
        "blocks": blocks or [],
    }


# --- state values of input elements (view_submission ``view.state.values``) --------------


def plain_text_value(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def static_select_value(value: str | None, text: str | None = None) -> dict[str, Any]:
    """A static_select's state; ``None`` is a cleared selection, as Slack sends it."""
    if value is None:
        return {"type": "static_select", "selected_option": None}
    option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
    return {"type": "static_select", "selected_option": option}


def users_select_value(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


# --- events ------------------------------------------------------------------------------


def app_home_opened(
    user_id: str = slack_ids.USER_ID, tab: str = "home", view: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``app_home_opened`` event; ``view`` is the Home tab published before, if any."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": slack_ids.dm_channel_id(user_id),
        "tab": tab,
        "event_ts": action_ts(),
    }
    if view is not None:
        event["view"] = view_object(view, type="home")
    return event
