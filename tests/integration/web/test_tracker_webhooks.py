"""`POST /webhooks/jira` and `/webhooks/linear`: signed deliveries set the state of linked
items, once each; a bad signature (or, for Linear, a stale timestamp) is refused with
nothing stored; a body that is not the tracker's is 400; no secret, no endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from bot.runtime.http_server import WSGIApp
from bot.runtime.settings import Settings
from bot.runtime.web.webhooks import (
    JIRA_PATH,
    LINEAR_PATH,
    jira_webhook,
    linear_webhook,
    webhook_handlers,
)
from tests.fakes import tracker_webhooks as hooks
from tests.fakes.tracker_webhooks import POLICY, SECRET, WS, item_states
from tests.fixtures.databases import Database
from tests.fixtures.tracker_links import link_items

NOW = 1_790_000_000.0  # the Linear endpoint's pinned clock, in seconds


def jira_issue(key: str, category: str, resolution: str | None = None) -> dict[str, Any]:
    return {
        "timestamp": 1_790_000_000_000,
        "webhookEvent": "jira:issue_updated",
        "issue": {
            "key": key,
            "fields": {
                "status": {"name": "Whatever", "statusCategory": {"key": category}},
                "resolution": {"name": resolution} if resolution else None,
            },
        },
    }


def linear_issue(identifier: str, state: str, sent: float = NOW) -> dict[str, Any]:
    return {
        "action": "update",
        "type": "Issue",
        "data": {"identifier": identifier, "state": {"name": state.title(), "type": state}},
        "webhookTimestamp": int(sent * 1000),
    }


def jira_app(db: Database) -> WSGIApp:
    link_items(db.sessions, WS, [("jira", "PLAT-12"), ("jira", "PLAT-13")])
    return hooks.router({JIRA_PATH: jira_webhook(SecretStr(SECRET), db.sessions, POLICY)})


def linear_app(db: Database) -> WSGIApp:
    link_items(db.sessions, WS, [("linear", "ENG-7"), ("linear", "ENG-8")])
    webhook = linear_webhook(SecretStr(SECRET), db.sessions, POLICY, clock=lambda: NOW)
    return hooks.router({LINEAR_PATH: webhook})


def test_jira_deliveries_set_the_state_of_linked_issues_once(database: Database) -> None:
    app = jira_app(database)
    started = hooks.jira(jira_issue("PLAT-12", "indeterminate"), "j1")
    assert hooks.post(app, started) == ("200 OK", {"ok": True, "links": 1})
    assert item_states(database.sessions) == {"PLAT-12": "in_progress", "PLAT-13": None}
    wont_do = jira_issue("PLAT-13", "done", "Won\u2019t Do")
    assert hooks.post(app, hooks.jira(wont_do, "j2"))[1]["links"] == 1
    assert hooks.post(app, hooks.jira(jira_issue("PLAT-12", "done", "Done"), "j3"))[1] == {
        "ok": True,
        "links": 1,
    }
    assert item_states(database.sessions) == {"PLAT-12": "done", "PLAT-13": "not_planned"}
    # Jira's retry of j1 carries the same identifier: nothing changes
    assert hooks.post(app, started) == ("200 OK", {"ok": True, "duplicate": True})
    assert item_states(database.sessions)["PLAT-12"] == "done"
    # without an identifier, a retry is known by its body
    reopened = hooks.jira(jira_issue("PLAT-13", "new"), None)
    assert hooks.post(app, reopened)[1]["links"] == 1
    assert hooks.post(app, reopened)[1] == {"ok": True, "duplicate": True}
    assert hooks.post(app, hooks.jira(jira_issue("OPS-1", "new"), "j4")) == (
        "200 OK",
        {"ok": True, "links": 0},
    )
    comment = {"webhookEvent": "comment_created", "comment": {"body": "hi"}}
    assert hooks.post(app, hooks.jira(comment, "j5")) == (
        "202 Accepted",
        {"ok": True, "ignored": "comment_created"},
    )


def test_linear_deliveries_set_the_state_of_linked_issues_once(database: Database) -> None:
    app = linear_app(database)
    started = hooks.linear(linear_issue("ENG-7", "started"), "l1")
    assert hooks.post(app, started) == ("200 OK", {"ok": True, "links": 1})
    assert hooks.post(app, hooks.linear(linear_issue("ENG-8", "canceled"), "l2"))[1] == {
        "ok": True,
        "links": 1,
    }
    assert item_states(database.sessions) == {"ENG-7": "in_progress", "ENG-8": "not_planned"}
    assert hooks.post(app, hooks.linear(linear_issue("ENG-7", "completed"), "l3"))[1]["links"] == 1
    # a redelivery of l1 (same Linear-Delivery) changes nothing
    assert hooks.post(app, started) == ("200 OK", {"ok": True, "duplicate": True})
    assert item_states(database.sessions)["ENG-7"] == "done"
    assert hooks.post(app, hooks.linear(linear_issue("OPS-1", "backlog"), "l4")) == (
        "200 OK",
        {"ok": True, "links": 0},
    )
    label = {"action": "create", "type": "IssueLabel", "data": {}, "webhookTimestamp": NOW * 1000}
    assert hooks.post(app, hooks.linear(label, "l5")) == (
        "202 Accepted",
        {"ok": True, "ignored": "IssueLabel"},
    )


@pytest.mark.parametrize("tracker", ["jira", "linear"])
def test_bad_signatures_and_bodies_are_refused_with_nothing_stored(
    database: Database, tracker: str
) -> None:
    if tracker == "jira":
        app, issue, sign = jira_app(database), jira_issue("PLAT-12", "done"), hooks.jira
        wrong_shape: Any = {"webhookEvent": "jira:issue_updated", "issue": {"key": "PLAT-12"}}
    else:
        app, issue, sign = linear_app(database), linear_issue("ENG-7", "completed"), hooks.linear
        wrong_shape = {"type": "Issue", "data": {"identifier": 7}, "webhookTimestamp": NOW * 1000}
    before = item_states(database.sessions)
    forged = sign(issue, "f1", secret="guess")
    assert hooks.post(app, forged) == ("401 Unauthorized", {"error": "invalid signature"})
    assert hooks.post(app, sign(b"{not json", "f2"))[0] == "400 Bad Request"
    assert hooks.post(app, sign(wrong_shape, "f3")) == ("400 Bad Request", {"error": "malformed"})
    assert hooks.post(app, sign([1, 2], "f4"))[0] == "400 Bad Request"
    assert item_states(database.sessions) == before
    # the forged delivery's id was not spent: the real one still counts
    assert hooks.post(app, sign(issue, "f1"))[1] == {"ok": True, "links": 1}


def test_a_stale_or_early_linear_delivery_is_refused(database: Database) -> None:
    app = linear_app(database)
    sent_ms = ((NOW - 61) * 1000, (NOW + 61) * 1000, float("nan"), 10**400)
    for number, sent in enumerate(sent_ms):
        payload = {**linear_issue("ENG-7", "completed"), "webhookTimestamp": sent}
        stale = hooks.linear(payload, f"s{number}")
        assert hooks.post(app, stale) == ("401 Unauthorized", {"error": "stale delivery"})
    no_time = hooks.linear({"type": "Issue", "data": {}}, "s9")
    assert hooks.post(app, no_time)[0] == "400 Bad Request"
    assert item_states(database.sessions) == {"ENG-7": None, "ENG-8": None}
    within = hooks.linear(linear_issue("ENG-7", "completed", sent=NOW - 59), "s1")
    assert hooks.post(app, within)[1] == {"ok": True, "links": 1}


def test_without_a_secret_there_is_no_endpoint(database: Database) -> None:
    only_github = Settings(_env_file=None, github_webhook_secret=SecretStr(SECRET))
    app = hooks.router(webhook_handlers(only_github, database.sessions))
    for delivery in (
        hooks.jira(jira_issue("PLAT-12", "new"), "n1"),
        hooks.linear(linear_issue("ENG-7", "started"), "n2"),
    ):
        assert hooks.post(app, delivery) == ("404 Not Found", {"error": "not_found"})
    configured = Settings(
        _env_file=None,
        jira_webhook_secret=SecretStr(SECRET),
        linear_webhook_secret=SecretStr(SECRET),
    )
    assert set(webhook_handlers(configured, database.sessions)) == {JIRA_PATH, LINEAR_PATH}
