"""What a Jira or Linear delivery says of an item: its key and one of ITEM_STATES."""

from __future__ import annotations

from typing import Any

import pytest

from bot.runtime.web.webhooks import jira_item_state, linear_item_state
from bot.services.roadmap.links import ITEM_STATES


def jira(category: Any, resolution: Any = None, event: str = "jira:issue_updated") -> Any:
    fields = {"status": {"statusCategory": {"key": category}}, "resolution": resolution}
    return {"webhookEvent": event, "issue": {"key": "PLAT-12", "fields": fields}}


def linear(state: Any, kind: str = "Issue", action: str = "update") -> Any:
    data = {"identifier": "ENG-7", "state": {"type": state}}
    return {"type": kind, "action": action, "data": data, "webhookTimestamp": 0}


@pytest.mark.parametrize("event", ["jira:issue_created", "jira:issue_updated"])
def test_jira_issue_events_give_the_key_and_the_state_of_the_fields(event: str) -> None:
    # the fields' mapping itself: tests/unit/trackers/test_tracker_clients.py (polling's too)
    assert jira_item_state(jira("indeterminate", event=event)) == ("PLAT-12", "in_progress")
    assert jira_item_state(jira("done", {"name": "Won't Do"}, event)) == ("PLAT-12", "not_planned")


def test_jira_events_not_followed_are_ignored() -> None:
    assert jira_item_state(jira("done", event="comment_created")) is None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        [],
        {"webhookEvent": "jira:issue_updated"},
        {"webhookEvent": "jira:issue_updated", "issue": {"key": "PLAT-12"}},
        jira(3),
        jira("paused"),
    ],
)
def test_jira_payloads_of_another_shape_raise(payload: Any) -> None:
    with pytest.raises((KeyError, TypeError)):
        jira_item_state(payload)


@pytest.mark.parametrize(
    ("state_type", "state"),
    [
        ("triage", "open"),
        ("backlog", "open"),
        ("unstarted", "open"),
        ("started", "in_progress"),
        ("completed", "done"),
        ("canceled", "not_planned"),
        ("duplicate", "not_planned"),
    ],
)
def test_linear_state_types(state_type: str, state: str) -> None:
    assert state in ITEM_STATES
    assert linear_item_state(linear(state_type)) == ("ENG-7", state)
    assert linear_item_state(linear(state_type, action="create")) == ("ENG-7", state)


def test_linear_other_types_removals_and_unknown_states_are_ignored() -> None:
    assert linear_item_state(linear("started", kind="Comment")) is None
    assert linear_item_state(linear("started", action="remove")) is None
    assert linear_item_state(linear("paused")) is None


@pytest.mark.parametrize(
    "payload",
    [{}, [], {"type": "Issue"}, {"type": "Issue", "data": {"identifier": "ENG-7"}}, linear(None)],
)
def test_linear_payloads_of_another_shape_raise(payload: Any) -> None:
    with pytest.raises((KeyError, TypeError)):
        linear_item_state(payload)
