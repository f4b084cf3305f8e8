"""Reading a submitted modal: its fields' state and its private metadata."""

from __future__ import annotations

import json
from typing import Any

from bot.slack.validation import whole_number


def values_of(view: dict[str, Any]) -> dict[str, Any]:
    return view.get("state", {}).get("values", {})


def field_state(view: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    return values_of(view).get(block_id, {}).get(action_id, {})


def own_field(values: dict[str, Any], field_id: str) -> dict[str, Any]:
    """A field of ``values`` (a view's ``state.values``) whose block id is its action id."""
    return values.get(field_id, {}).get(field_id, {})


def selected(view: dict[str, Any], block_id: str, action_id: str) -> str | None:
    option = field_state(view, block_id, action_id).get("selected_option") or {}
    return option.get("value")


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The view's private metadata as a JSON object; empty when it is not one."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def metadata_id(meta: dict[str, Any], key: str) -> int:
    """An id a form carries in its metadata; 0 (no such row) when it is not a number."""
    return whole_number(str(meta.get(key, ""))) or 0
