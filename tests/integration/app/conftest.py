"""The real bolt app, served over HTTP on loopback, talking to a fake Slack Web API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import make_server

import pytest
from slack_sdk import WebClient

from bot.runtime.http_server import QuietRequestHandler, ThreadingWSGIServer, make_wsgi_app
from bot.runtime.settings import Settings
from bot.slack.app import create_app, make_deps
from tests.conftest import Database
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import SIGNING_SECRET, SignedRequest, post

ADMIN_ID = "U0PMADMIN1"


@dataclass
class RunningApp:
    url: str
    slack: FakeSlackAPI
    db: Database
    settings: Settings

    def send(self, request: SignedRequest) -> tuple[int, str]:
        status, body, _ = post(f"{self.url}/slack/events", request)
        return status, body


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def running_app(slack: FakeSlackAPI, sqlite_database: Database) -> Iterator[RunningApp]:
    yield from serve_app(slack, sqlite_database)


def serve_app(slack: FakeSlackAPI, db: Database, **overrides: Any) -> Iterator[RunningApp]:
    """The app on loopback; ``overrides``: settings that differ from the tests' defaults."""
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,
        database_url=db.url,
        admins=frozenset({ADMIN_ID}),
        listener_threads=4,
        **overrides,
    )
    client = WebClient(token="xoxb-test-token", base_url=slack.url, timeout=5)
    deps = make_deps(settings, db.sessions, client)
    app = create_app(settings, db.sessions, client, deps)
    server = make_server(
        "127.0.0.1",
        0,
        make_wsgi_app(app, session_factory=db.sessions),
        server_class=ThreadingWSGIServer,
        handler_class=QuietRequestHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RunningApp(f"http://127.0.0.1:{server.server_port}", slack, db, settings)
    finally:
        server.shutdown()
        server.server_close()
        deps.close()
