"""Web API methods the fake implements, each answering with the shape Slack documents.

A handler takes the workspace state and the call's parameters and returns the body
without ``ok``; it raises :class:`MethodError` for an ``{"ok": false, "error": ...}`` answer.
Only the fields apps commonly read are filled in, with Slack's names and types.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from tests.fakes.slack_workspace import FakeWorkspace, UploadedFile

Handler = Callable[[FakeWorkspace, dict[str, Any]], dict[str, Any]]


class MethodError(Exception):
    """An ``ok: false`` answer with Slack's error code (and optional extra fields)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def answer(workspace: FakeWorkspace, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """The JSON body Slack would answer to a call of ``method`` (HTTP 200)."""
    handler = METHODS.get(method)
    if handler is None:
        return {"ok": False, "error": "unknown_method"}
    try:
        with workspace.lock:
            return {"ok": True, **handler(workspace, params)}
    except MethodError as e:
        return {"ok": False, "error": e.error, **e.extra}


# --- helpers -----------------------------------------------------------------------------


def _json_param(params: dict[str, Any], name: str) -> Any:
    """A structured parameter: as sent in a JSON body, or decoded from a form field."""
    value = params.get(name)
    if isinstance(value, str) and value:
        try:
            return json.loads(value)
        except ValueError as e:
            raise MethodError("invalid_arguments") from e
    return value


def _require(params: dict[str, Any], name: str, error: str = "invalid_arguments") -> str:
    value = params.get(name)
    if value in (None, ""):
        raise MethodError(error)
    return str(value)


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _resolve_channel(workspace: FakeWorkspace, channel: str) -> str:
    """Posting to a user ID posts to the app's DM with that user, as Slack does."""
    return workspace.conversation_id(channel)


def _page(
    workspace: FakeWorkspace, items: list[Any], params: dict[str, Any]
) -> tuple[list[Any], str]:
    """One page of a cursor-paginated list, and the next cursor ("" on the last page)."""
    cursor = params.get("cursor")
    try:
        start = int(base64.b64decode(str(cursor)).decode().removeprefix("offset:")) if cursor else 0
    except ValueError as e:
        raise MethodError("invalid_cursor") from e
    limit = int(params.get("limit") or 0)
    size = min(limit, workspace.page_size_cap) if limit > 0 else workspace.page_size_cap
    chunk = items[start : start + size]
    end = start + len(chunk)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return chunk, next_cursor


def _bot_message(workspace: FakeWorkspace, params: dict[str, Any], ts: str) -> dict[str, Any]:
    ident = workspace.identity
    message: dict[str, Any] = {
        "type": "message",
        "user": ident.bot_user_id,
        "bot_id": ident.bot_id,
        "app_id": ident.app_id,
        "team": ident.team_id,
        "text": params.get("text") or "",
        "ts": ts,
        "bot_profile": {
            "id": ident.bot_id,
            "app_id": ident.app_id,
            "name": ident.bot_user_name,
            "team_id": ident.team_id,
            "deleted": False,
        },
    }
    for name in ("blocks", "attachments", "metadata"):
        value = _json_param(params, name)
        if value is not None:
            message[name] = value
    if params.get("thread_ts"):
        message["thread_ts"] = str(params["thread_ts"])
    return message


# --- auth and chat -----------------------------------------------------------------------


def auth_test(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    ident = ws.identity
    return {
        "url": ident.url,
        "team": ident.team_name,
        "user": ident.bot_user_name,
        "team_id": ident.team_id,
        "user_id": ident.bot_user_id,
        "bot_id": ident.bot_id,
        "is_enterprise_install": False,
    }


def chat_post_message(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = _resolve_channel(ws, _require(params, "channel", "channel_not_found"))
    if not any(params.get(k) for k in ("text", "blocks", "attachments")):
        raise MethodError("no_text")
    ts = ws.next_ts()
    message = _bot_message(ws, params, ts)
    thread_ts = message.get("thread_ts")
    parent = ws.find_message(channel, thread_ts) if thread_ts else None
    if parent is not None:  # a reply under a parent the fake never saw is kept all the same
        parent["thread_ts"] = thread_ts
        parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
        parent["latest_reply"] = ts
    if thread_ts and _truthy(params.get("reply_broadcast")):
        message["subtype"] = "thread_broadcast"
    ws.remember_message(channel, copy.deepcopy(message))
    return {"channel": channel, "ts": ts, "message": message}


def chat_post_ephemeral(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    _require(params, "channel", "channel_not_found")
    _require(params, "user", "user_not_in_channel")
    if not any(params.get(k) for k in ("text", "blocks", "attachments")):
        raise MethodError("no_text")
    return {"message_ts": ws.next_ts()}


def chat_update(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = _require(params, "channel", "channel_not_found")
    ts = _require(params, "ts", "message_not_found")
    stored = ws.find_message(channel, ts)
    if stored is not None:
        updated = _bot_message(ws, params, ts)
        for name in ("text", "blocks", "attachments", "metadata"):
            if name in updated:
                stored[name] = copy.deepcopy(updated[name])
        stored["edited"] = {"user": ws.identity.bot_user_id, "ts": ws.next_ts()}
    return {
        "channel": channel,
        "ts": ts,
        "text": params.get("text") or "",
        "message": _bot_message(ws, params, ts),
    }


def chat_delete(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = _require(params, "channel", "channel_not_found")
    ts = _require(params, "ts", "message_not_found")
    if channel in ws.messages:
        ws.messages[channel] = [m for m in ws.messages[channel] if m["ts"] != ts]
    return {"channel": channel, "ts": ts}


def chat_get_permalink(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = _require(params, "channel", "channel_not_found")
    ts = _require(params, "message_ts", "message_not_found")
    return {"channel": channel, "permalink": ws.permalink(channel, ts)}


# --- conversations and users -------------------------------------------------------------


def conversations_open(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("channel"):
        return {"channel": {"id": str(params["channel"])}}
    users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
    if not users:
        raise MethodError("users_list_not_supplied")
    if len(users) == 1:
        channel_id = ws.dm_channel_id(users[0])
    else:
        digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:8].upper()
        channel_id = f"G0{digest}"
    already_open = channel_id in ws.open_dms
    ws.open_dms.add(channel_id)
    channel: dict[str, Any] = {"id": channel_id}
    if _truthy(params.get("return_im")) and len(users) == 1:
        channel |= {
            "created": int(time.time()),
            "is_im": True,
            "is_org_shared": False,
            "user": users[0],
            "is_user_deleted": False,
            "priority": 0,
        }
    body: dict[str, Any] = {"channel": channel}
    if already_open:
        body |= {"no_op": True, "already_open": True}
    return body


def conversations_members(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = _require(params, "channel", "channel_not_found")
    if channel not in ws.channel_members:
        raise MethodError("channel_not_found")
    members, cursor = _page(ws, ws.channel_members[channel], params)
    return {"members": members, "response_metadata": {"next_cursor": cursor}}


def conversations_info(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    """A channel the fake knows (its ``channel_members``); ``is_member`` for the bot."""
    channel = _require(params, "channel", "channel_not_found")
    if channel not in ws.channel_members:
        raise MethodError("channel_not_found")
    is_member = ws.identity.bot_user_id in ws.channel_members[channel]
    return {"channel": {"id": channel, "is_channel": True, "is_member": is_member}}


# --- reading messages back (conversations.history and .replies) -------------------------

HISTORY_DEFAULT_LIMIT = 100


def _ts_bound(params: dict[str, Any], name: str, default: Decimal) -> Decimal:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation as e:
        raise MethodError(f"invalid_ts_{name}") from e


def _in_window(params: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """Slack's ``oldest``/``latest`` filter: exclusive unless ``inclusive`` is set."""
    oldest = _ts_bound(params, "oldest", Decimal(0))
    latest = _ts_bound(params, "latest", Decimal(time.time()) + 1)
    inclusive = _truthy(params.get("inclusive"))

    def contains(message: dict[str, Any]) -> bool:
        ts = Decimal(message["ts"])
        if inclusive:
            return oldest <= ts <= latest
        return oldest < ts < latest

    return contains


def _conversation(params: dict[str, Any]) -> str:
    """The ``channel`` parameter, which must be a conversation ID (a user ID is not one)."""
    channel = _require(params, "channel", "channel_not_found")
    if channel[:1] in ("U", "W", "#"):
        raise MethodError("channel_not_found")
    return channel


def _listed(messages: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    """Messages as read back: metadata only when ``include_all_metadata`` asks for it."""
    keep_metadata = _truthy(params.get("include_all_metadata"))
    listed = [copy.deepcopy(m) for m in messages]
    if not keep_metadata:
        for message in listed:
            message.pop("metadata", None)
    return listed


def _is_thread_reply(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message["ts"]


def _paged_messages(
    ws: FakeWorkspace, messages: list[dict[str, Any]], params: dict[str, Any]
) -> dict[str, Any]:
    limit = params.get("limit") or HISTORY_DEFAULT_LIMIT
    page, cursor = _page(ws, messages, {**params, "limit": limit})
    body: dict[str, Any] = {"messages": _listed(page, params), "has_more": bool(cursor)}
    if cursor:
        body["response_metadata"] = {"next_cursor": cursor}
    return body


def conversations_history(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    """A conversation's messages, newest first; thread replies stay in their thread."""
    channel = _conversation(params)
    contains = _in_window(params)
    found = [
        m
        for m in reversed(ws.messages.get(channel, []))
        if contains(m) and (not _is_thread_reply(m) or m.get("subtype") == "thread_broadcast")
    ]
    return _paged_messages(ws, found, params) | {
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }


def conversations_replies(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    """A thread, oldest first: its parent message (when the fake saw it), then the replies."""
    channel = _conversation(params)
    thread_ts = _require(params, "ts", "thread_not_found")
    parent = ws.find_message(channel, thread_ts)
    contains = _in_window(params)
    replies = [
        m
        for m in ws.messages.get(channel, [])
        if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts and contains(m)
    ]
    if parent is None and not replies:
        raise MethodError("thread_not_found")
    return _paged_messages(ws, [parent, *replies] if parent else replies, params)


def users_info(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    user = ws.users.get(_require(params, "user", "user_not_found"))
    if user is None:
        raise MethodError("user_not_found")
    return {"user": user}


def users_list(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    members, cursor = _page(ws, list(ws.users.values()), params)
    return {
        "members": members,
        "cache_ts": int(time.time()),
        "response_metadata": {"next_cursor": cursor},
    }


def usergroups_users_list(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    group = _require(params, "usergroup", "no_such_subteam")
    if group not in ws.usergroup_members:
        raise MethodError("no_such_subteam")
    return {"users": list(ws.usergroup_members[group])}


# --- views -------------------------------------------------------------------------------

_VIEW_KEYS_SET_BY_SLACK = {"id", "team_id", "state", "hash", "app_id", "bot_id", "root_view_id"}


def _view_object(
    ws: FakeWorkspace,
    view_id: str,
    submitted: dict[str, Any],
    *,
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
) -> dict[str, Any]:
    """The view Slack returns: what the app sent plus the fields Slack sets."""
    ident = ws.identity
    view: dict[str, Any] = {
        "id": view_id,
        "team_id": ident.team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{hashlib.sha1(view_id.encode()).hexdigest()[:8]}",
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id or view_id,
        "app_id": ident.app_id,
        "external_id": "",
        "app_installed_team_id": ident.team_id,
        "bot_id": ident.bot_id,
    }
    view |= {k: v for k, v in submitted.items() if k not in _VIEW_KEYS_SET_BY_SLACK}
    ws.views[view_id] = view
    return view


def _submitted_view(params: dict[str, Any]) -> dict[str, Any]:
    view = _json_param(params, "view")
    if not isinstance(view, dict) or "type" not in view:
        raise MethodError("invalid_arguments")
    return view


def views_open(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    """views.open and views.push: a new view, which needs the trigger of an interaction."""
    _require(params, "trigger_id", "invalid_trigger_id")
    return {"view": _view_object(ws, ws.next_id("V"), _submitted_view(params))}


def views_update(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    submitted = _submitted_view(params)
    view_id = params.get("view_id")
    if not view_id and params.get("external_id"):
        found = [v for v in ws.views.values() if v.get("external_id") == params["external_id"]]
        view_id = found[0]["id"] if found else None
    if not view_id or view_id not in ws.views:
        raise MethodError("not_found")
    old = ws.views[str(view_id)]
    return {
        "view": _view_object(
            ws,
            str(view_id),
            submitted,
            root_view_id=old["root_view_id"],
            previous_view_id=old["previous_view_id"],
        )
    }


def views_publish(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    user_id = _require(params, "user_id", "invalid_arguments")
    submitted = _submitted_view(params)
    if submitted.get("type") != "home":
        raise MethodError("invalid_arguments")
    view_id = ws.home_views.setdefault(user_id, ws.next_id("V"))
    return {"view": _view_object(ws, view_id, submitted)}


# --- files (the two-step external upload behind files_upload_v2) -------------------------


def files_get_upload_url_external(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    filename = _require(params, "filename")
    try:
        length = int(_require(params, "length"))
    except ValueError as e:
        raise MethodError("invalid_arguments") from e
    file_id = ws.next_id("F")
    ws.files[file_id] = UploadedFile(file_id, filename, length, params.get("alt_txt"))
    return {"upload_url": f"{ws.server_url}upload/v1/{file_id}", "file_id": file_id}


def files_complete_upload_external(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    entries = _json_param(params, "files")
    if not isinstance(entries, list) or not entries:
        raise MethodError("invalid_arguments")
    channel = params.get("channel_id") or params.get("channels")
    files = []
    for entry in entries:
        uploaded = ws.files.get(str(entry.get("id")))
        if uploaded is None:
            raise MethodError("file_not_found")
        files.append(_file_object(ws, uploaded, entry.get("title"), channel))
    return {"files": files}


def _file_object(
    ws: FakeWorkspace, uploaded: UploadedFile, title: str | None, channel: str | None
) -> dict[str, Any]:
    now = int(time.time())
    base = f"{ws.identity.url}files/{ws.identity.bot_user_id}/{uploaded.id}"
    return {
        "id": uploaded.id,
        "created": now,
        "timestamp": now,
        "name": uploaded.filename,
        "title": title or uploaded.filename,
        "mimetype": "",
        "filetype": "",
        "pretty_type": "",
        "user": ws.identity.bot_user_id,
        "user_team": ws.identity.team_id,
        "mode": "hosted",
        "is_external": False,
        "is_public": False,
        "size": len(uploaded.data) if uploaded.data is not None else uploaded.length,
        "url_private": f"{base}/{uploaded.filename}",
        "permalink": f"{base}/{uploaded.filename}",
        "channels": [channel] if channel else [],
        "groups": [],
        "ims": [],
        "shares": {},
    } | ({"alt_txt": uploaded.alt_txt} if uploaded.alt_txt else {})


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "conversations.open": conversations_open,
    "conversations.members": conversations_members,
    "conversations.info": conversations_info,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "users.info": users_info,
    "users.list": users_list,
    "usergroups.users.list": usergroups_users_list,
    "views.open": views_open,
    "views.push": views_open,  # same answer: a new view ID in the stack
    "views.update": views_update,
    "views.publish": views_publish,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
}
