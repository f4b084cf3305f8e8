"""Bodies bolt can parse and route: anything else is refused with 400 before bolt sees it.

bolt parses the body before it checks the signature, and a JSON body that is not an
object (or a ``payload=`` field that is not a JSON object) makes that parsing raise, which
would surface as a bare 500. So does JSON nested tens of thousands of levels deep
(``json.loads`` raises RecursionError), and JSON nested a few hundred levels deep breaks
the recursive copies bolt makes of a request later on: no Slack payload comes near
:data:`MAX_JSON_DEPTH`. A ``block_actions`` payload without a list of actions makes
bolt's listener matching raise. Slack never sends such bodies.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

#: Slack's deepest payloads (a view's state with rich text) nest about 15 levels.
MAX_JSON_DEPTH = 64


def is_well_formed(body: bytes, content_type: str) -> bool:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if content_type.split(";")[0].strip().lower() == "application/json":
        return _json_object(text) is not None
    payload = parse_qs(text, keep_blank_values=True).get("payload")
    if payload is None:
        return True
    parsed = _json_object(payload[0])
    return parsed is not None and _routable(parsed)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or _deeper_than(value, MAX_JSON_DEPTH):
        return None
    return value


def _deeper_than(root: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _routable(payload: dict[str, Any]) -> bool:
    """bolt routes a ``block_actions`` payload by its first action's ``action_id``."""
    if payload.get("type") != "block_actions":
        return True
    actions = payload.get("actions")
    return (
        isinstance(actions, list)
        and bool(actions)
        and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
    )
