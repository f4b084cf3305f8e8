"""Input checked at the edge against what the database can hold.

A value the database cannot take (a NUL byte in text, a number beyond a 32-bit integer
column, an id longer than its column) would otherwise fail deep inside a unit of work and
be told as an outage. Requests are checked here first, and what does not fit raises
:class:`~bot.services.errors.InvalidInputError`, which every listener path answers as
"that input is not valid". bot/slack/failures.py answers the database's own refusals the
same way, as a safety net.

:func:`check_body` runs on every verified request (bot/slack/trust.py); listeners read
numbers with :func:`whole_number`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.services.errors import InvalidInputError
from storage.models import SLACK_ID_LENGTH, WORKSPACE_ID_LENGTH

#: The largest value of an ``Integer`` column (PostgreSQL's int4).
MAX_INTEGER = 2**31 - 1
#: Trigger ids, message and action timestamps, view ids: Slack's are under 64 characters,
#: and they go into idempotency keys of at most 200.
MAX_TOKEN_LENGTH = 100
_MAX_DIGITS = len(str(MAX_INTEGER))

#: (path into the body, longest value the app can store or key on)
LIMITS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("team_id",), WORKSPACE_ID_LENGTH),
    (("team", "id"), WORKSPACE_ID_LENGTH),
    (("enterprise_id",), WORKSPACE_ID_LENGTH),
    (("user_id",), SLACK_ID_LENGTH),
    (("user", "id"), SLACK_ID_LENGTH),
    (("channel_id",), SLACK_ID_LENGTH),
    (("channel", "id"), SLACK_ID_LENGTH),
    (("message", "user"), SLACK_ID_LENGTH),
    (("event", "user"), SLACK_ID_LENGTH),
    (("trigger_id",), MAX_TOKEN_LENGTH),
    (("action_ts",), MAX_TOKEN_LENGTH),
    (("message_ts",), MAX_TOKEN_LENGTH),
    (("message", "ts"), MAX_TOKEN_LENGTH),
    (("container", "message_ts"), MAX_TOKEN_LENGTH),
    (("view", "id"), MAX_TOKEN_LENGTH),
)


def invalid(reason: str) -> InvalidInputError:
    return InvalidInputError(f"That input is not valid: {reason}. Nothing was saved.")


def whole_number(text: str | None) -> int | None:
    """A number as typed or carried by a button (ASCII digits only); None when the text
    is not one; InvalidInputError when it is too large for the database."""
    if text is None or not (text.isascii() and text.isdigit()):
        return None
    if len(text.lstrip("0")) > _MAX_DIGITS or int(text) > MAX_INTEGER:
        raise invalid(f"{text[:20]} is too large a number")
    return int(text)


def check_body(body: dict[str, Any]) -> None:
    """No NUL byte anywhere, and no id or token longer than where the app keeps it."""
    if any("\x00" in text for text in _strings(body)):
        raise invalid("it contains a NUL character")
    for path, limit in LIMITS:
        if len(_at(body, path)) > limit:
            raise invalid(f"{'.'.join(path)} is longer than {limit} characters")
    for action in _list(body.get("actions")):
        if isinstance(action, dict) and len(_at(action, ("action_ts",))) > MAX_TOKEN_LENGTH:
            raise invalid(f"action_ts is longer than {MAX_TOKEN_LENGTH} characters")


def _at(node: Any, path: tuple[str, ...]) -> str:
    for key in path:
        if not isinstance(node, dict):
            return ""
        node = node.get(key)
    return node if isinstance(node, str) else ""


def _list(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


def _strings(root: Any) -> Iterator[str]:
    """Every string in a parsed body, keys included (iteratively: depth is no concern)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
