"""`POST /webhooks/github`: signed deliveries set the state of linked items, once each;
a bad signature is refused with nothing stored; no secret, no endpoint."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from typing import Any

from pydantic import SecretStr
from slack_bolt import App
from sqlalchemy import select

from bot.runtime.http_server import WSGIApp, make_wsgi_app
from bot.runtime.web.webhooks import GITHUB_PATH, github_webhook
from bot.services.roadmap.following import FollowMode, FollowPolicy
from storage.models import ThemeLink
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database

SECRET = "It's a Secret to Everybody"
POLICY = FollowPolicy(FollowMode.CONFIRM, frozenset({"U0PM00001"}))
WS = "T0HOOKS01"


def router(db: Database, configured: bool = True) -> WSGIApp:
    hooks = (
        {GITHUB_PATH: github_webhook(SecretStr(SECRET), db.sessions, POLICY)} if configured else {}
    )
    slack = App(signing_secret="x", token="xoxb-x", token_verification_enabled=False)
    return make_wsgi_app(slack, webhooks=hooks)


def deliver(
    app: WSGIApp, payload: Any, event: str, delivery: str, secret: str = SECRET
) -> tuple[str, dict]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": GITHUB_PATH,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_HUB_SIGNATURE_256": signature,
        "HTTP_X_GITHUB_EVENT": event,
        "HTTP_X_GITHUB_DELIVERY": delivery,
    }
    statuses: list[str] = []
    answer = b"".join(app(environ, lambda status, _headers: statuses.append(status)))
    return statuses[0], json.loads(answer)


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


def link_states(db: Database) -> dict[str, str | None]:
    with db.sessions() as session:
        return {link.item: link.state for link in session.scalars(select(ThemeLink))}


def seed_links(db: Database) -> None:
    with unit_of_work(db.sessions, WS) as uow:
        theme = uow.themes.add("Remote build cache")
        for item in ("acme/ci#12", "acme/ci#13"):
            url = f"https://github.com/acme/ci/issues/{item.rsplit('#', 1)[1]}"
            uow.links.add_once(theme.id, "github", item, url, "U0PM")


def test_signed_deliveries_set_the_state_of_linked_items_once(database: Database) -> None:
    seed_links(database)
    app = router(database)
    assert deliver(app, issue(12, "open", assignees=1), "issues", "d1") == (
        "200 OK",
        {"ok": True, "links": 1},
    )
    assert link_states(database) == {"acme/ci#12": "in_progress", "acme/ci#13": None}
    assert deliver(app, issue(12, "closed", "completed"), "issues", "d2")[1]["links"] == 1
    assert deliver(app, issue(13, "closed", "not_planned"), "issues", "d3")[1]["links"] == 1
    assert link_states(database) == {"acme/ci#12": "done", "acme/ci#13": "not_planned"}
    # a redelivery of d1 (GitHub's "Redeliver") changes nothing
    assert deliver(app, issue(12, "open", assignees=1), "issues", "d1") == (
        "200 OK",
        {"ok": True, "duplicate": True},
    )
    assert link_states(database)["acme/ci#12"] == "done"
    pull = {
        "action": "closed",
        "pull_request": {"number": 12, "state": "closed", "merged": False},
        "repository": {"full_name": "acme/ci"},
    }
    assert deliver(app, pull, "pull_request", "d4")[1]["links"] == 1
    assert link_states(database)["acme/ci#12"] == "closed"
    assert deliver(app, issue(99, "open"), "issues", "d5") == ("200 OK", {"ok": True, "links": 0})
    assert deliver(app, {"zen": "Keep it simple."}, "ping", "d6")[0] == "202 Accepted"


def test_bad_signatures_and_bodies_are_refused_with_nothing_stored(database: Database) -> None:
    seed_links(database)
    app = router(database)
    forged = deliver(app, issue(12, "closed", "completed"), "issues", "f1", secret="guess")
    assert forged == ("401 Unauthorized", {"error": "invalid signature"})
    assert deliver(app, b"{not json", "issues", "f2")[0] == "400 Bad Request"
    assert deliver(app, {"issue": {}}, "issues", "f3")[0] == "400 Bad Request"
    assert link_states(database) == {"acme/ci#12": None, "acme/ci#13": None}
    # the forged delivery's id was not spent: the real one still counts
    assert deliver(app, issue(12, "closed", "completed"), "issues", "f1")[1]["links"] == 1


def test_without_a_secret_there_is_no_endpoint(database: Database) -> None:
    assert deliver(router(database, configured=False), issue(12, "open"), "issues", "n1") == (
        "404 Not Found",
        {"error": "not_found"},
    )
