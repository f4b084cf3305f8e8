"""PostgreSQL goes away: Slack requests get a clear "try again", and the app recovers.

The app's engine reaches PostgreSQL through a loopback proxy that the test cuts (every
connection dropped, new ones refused) and restores, as a restart or a network cut would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from bot.slack.failures import DATABASE_DOWN
from storage.db import make_engine, make_session_factory
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import block_action, slash_command, view_submission
from tests.fixtures.app import RunningApp, serve_app
from tests.fixtures.databases import Database, truncate_all
from tests.integration.app.checks import count_requests
from tests.integration.web.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxy(postgres_schema_url: str) -> Iterator[TcpProxy]:
    url = make_url(postgres_schema_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


@pytest.fixture
def app_via_proxy(
    slack: FakeSlackAPI, postgres_schema_url: str, proxy: TcpProxy
) -> Iterator[RunningApp]:
    direct = make_engine(postgres_schema_url)
    truncate_all(direct)
    direct.dispose()
    url = make_url(postgres_schema_url).set(port=proxy.port).render_as_string(False)
    engine = make_engine(url)
    db = Database(url=url, engine=engine, sessions=make_session_factory(engine))
    yield from serve_app(slack, db)
    engine.dispose()


def feedback(app: RunningApp, text: str) -> tuple[int, str]:
    return app.send(slash_command("/feedback", text, response_url=app.slack.response_url()))


def test_a_command_during_an_outage_is_told_to_try_again_then_works(
    app_via_proxy: RunningApp, proxy: TcpProxy
) -> None:
    app = app_via_proxy
    assert feedback(app, "remote build cache please")[0] == 200
    proxy.cut()
    status, body = feedback(app, "GPU nodes for notebooks")
    assert status == 200
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == DATABASE_DOWN
    proxy.restore()
    status, body = feedback(app, "GPU nodes for notebooks")
    assert status == 200
    assert "Logged as" in body
    assert count_requests(app.db) == 2


def test_a_modal_submitted_during_an_outage_gets_a_notice_over_the_form(
    app_via_proxy: RunningApp, proxy: TcpProxy
) -> None:
    proxy.cut()
    status, body = app_via_proxy.send(
        view_submission(
            "feedback_modal",
            {
                "title": {"title_input": {"type": "plain_text_input", "value": "Faster CI"}},
                "details": {"details_input": {"type": "plain_text_input", "value": "please"}},
            },
        )
    )
    proxy.restore()
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "push"
    assert DATABASE_DOWN in json.dumps(answer["view"])
    assert count_requests(app_via_proxy.db) == 0


def test_a_button_during_an_outage_is_answered_through_the_response_url(
    app_via_proxy: RunningApp, proxy: TcpProxy
) -> None:
    # Warm up first (bolt checks the token on its first request) so that only the
    # outage is measured against Slack's 3-second ack window.
    assert app_via_proxy.send(slash_command("/roadmap", "help"))[0] == 200
    proxy.cut()
    status, _ = app_via_proxy.send(
        block_action("vote_theme", "1", response_url=app_via_proxy.slack.response_url())
    )
    proxy.restore()
    assert status == 200
    app_via_proxy.slack.wait_for(
        "response_url", where=lambda call: DATABASE_DOWN in json.dumps(call.params), timeout=10
    )
