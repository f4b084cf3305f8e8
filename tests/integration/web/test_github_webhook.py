"""`POST /webhooks/github`: signed deliveries set the state of linked items, once each;
a bad signature is refused with nothing stored; no secret, no endpoint."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from bot.runtime.http_server import WSGIApp
from bot.runtime.web.webhooks import GITHUB_PATH, github_webhook
from tests.fakes import tracker_webhooks as hooks
from tests.fakes.tracker_webhooks import POLICY, SECRET, WS, item_states
from tests.fixtures.databases import Database
from tests.fixtures.tracker_links import link_items


def router(db: Database, configured: bool = True) -> WSGIApp:
    return hooks.router(
        {GITHUB_PATH: github_webhook(SecretStr(SECRET), db.sessions, POLICY)} if configured else {}
    )


def deliver(
    app: WSGIApp, payload: Any, event: str, delivery: str, secret: str = SECRET
) -> tuple[str, dict]:
    return hooks.post(app, hooks.github(payload, event, delivery, secret))


def issue(number: int, state: str, reason: str | None = None, assignees: int = 0) -> dict:
    return {
        "action": "closed" if state == "closed" else "opened",
        "issue": {
            "number": number,
            "state": state,
            "state_reason": reason,
            "assignees": [{"login": "dev"}] * assignees,
        },
        "repository": {"full_name": "acme/ci"},
    }


def seed_links(db: Database) -> None:
    link_items(db.sessions, WS, [("github", "acme/ci#12"), ("github", "acme/ci#13")])


def test_signed_deliveries_set_the_state_of_linked_items_once(database: Database) -> None:
    seed_links(database)
    app = router(database)
    assert deliver(app, issue(12, "open", assignees=1), "issues", "d1") == (
        "200 OK",
        {"ok": True, "links": 1},
    )
    assert item_states(database.sessions) == {"acme/ci#12": "in_progress", "acme/ci#13": None}
    assert deliver(app, issue(12, "closed", "completed"), "issues", "d2")[1]["links"] == 1
    assert deliver(app, issue(13, "closed", "not_planned"), "issues", "d3")[1]["links"] == 1
    assert item_states(database.sessions) == {"acme/ci#12": "done", "acme/ci#13": "not_planned"}
    # a redelivery of d1 (GitHub's "Redeliver") changes nothing
    assert deliver(app, issue(12, "open", assignees=1), "issues", "d1") == (
        "200 OK",
        {"ok": True, "duplicate": True},
    )
    assert item_states(database.sessions)["acme/ci#12"] == "done"
    pull = {
        "action": "closed",
        "pull_request": {"number": 12, "state": "closed", "merged": False},
        "repository": {"full_name": "acme/ci"},
    }
    assert deliver(app, pull, "pull_request", "d4")[1]["links"] == 1
    assert item_states(database.sessions)["acme/ci#12"] == "closed"
    assert deliver(app, issue(99, "open"), "issues", "d5") == ("200 OK", {"ok": True, "links": 0})
    assert deliver(app, {"zen": "Keep it simple."}, "ping", "d6") == (
        "202 Accepted",
        {"ok": True, "ignored": "ping"},
    )


def test_bad_signatures_and_bodies_are_refused_with_nothing_stored(database: Database) -> None:
    seed_links(database)
    app = router(database)
    forged = deliver(app, issue(12, "closed", "completed"), "issues", "f1", secret="guess")
    assert forged == ("401 Unauthorized", {"error": "invalid signature"})
    assert deliver(app, b"{not json", "issues", "f2")[0] == "400 Bad Request"
    assert deliver(app, {"issue": {}}, "issues", "f3")[0] == "400 Bad Request"
    assert item_states(database.sessions) == {"acme/ci#12": None, "acme/ci#13": None}
    # the forged delivery's id was not spent: the real one still counts
    assert deliver(app, issue(12, "closed", "completed"), "issues", "f1")[1]["links"] == 1


def test_without_a_secret_there_is_no_endpoint(database: Database) -> None:
    assert deliver(router(database, configured=False), issue(12, "open"), "issues", "n1") == (
        "404 Not Found",
        {"error": "not_found"},
    )
