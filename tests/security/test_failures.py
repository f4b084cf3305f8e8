"""Every failure gets an answer, and bad input is not an outage.

- Every `/roadmap` subcommand and the message shortcut (work done after the ack, which
  only the error handler can answer) answer "try again in a minute" during a database outage and
  "something went wrong" on an unexpected error, as the other listeners do.
- A NUL byte, a number too large for its column, an id longer than its column get "that
  input is not valid" on both databases, and do not count as database errors.
- Deeply nested JSON gets 400, not a 500 with a traceback; a `block_actions` with no
  actions gets a clean answer.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy.exc import OperationalError

from bot.runtime.metrics import DATABASE_ERRORS
from bot.slack.failures import DATABASE_DOWN, SOMETHING_WRONG
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_calls import SlackCall
from tests.fakes.slack_requests import (
    SignedRequest,
    block_action,
    message_action,
    slash_command,
    view_submission,
)
from tests.fakes.slack_signing import FORM, JSON, sign
from tests.fixtures.app import ADMIN_ID, RunningApp, serve_app
from tests.fixtures.databases import Database
from tests.integration.app.checks import count_requests
from tests.integration.app.seed import seed_workspace
from tests.integration.app.test_roadmap import objectives_state
from tests.integration.web.tcp_proxy import TcpProxy
from tests.integration.web.test_database_outage import app_via_proxy, proxy

__all__ = ["app_via_proxy", "proxy"]

NOT_VALID = "That input is not valid"
SUBCOMMANDS = [
    "",
    "theme 1",
    "mine",
    "stats",
    "objectives",
    "pulse",
    "pulse start",
    "pulse chart",
    "pulse stop",
    "pulse less",
    "pulse resume",
    "status 1 planned",
    "merge 1 2",
    "split 1",
    "effort 1 M",
]
SHORTCUT_MESSAGE = {"text": "Please add dark mode", "user": "U0BOB00001", "ts": "1700000000.0001"}


def database_errors() -> float:
    return DATABASE_ERRORS._value.get()


def answer_with(slack: FakeSlackAPI, text: str, timeout: float = 10.0) -> SlackCall:
    """The first call to Slack (a response URL, a modal) that carries ``text``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in slack.calls():
            if text in json.dumps(call.params):
                return call
        time.sleep(0.02)
    seen = [(c.method, c.params) for c in slack.calls()]
    raise AssertionError(f"no answer with {text!r}; calls: {seen}")


def roadmap(app: RunningApp, text: str, name: str = "roadmap") -> None:
    request = slash_command(
        "/roadmap", text, user_id=ADMIN_ID, response_url=app.slack.response_url(name)
    )
    status, body = app.send(request)
    assert (status, body) == (200, "")


def shortcut(app: RunningApp) -> None:
    request = message_action(
        "log_feature_request", SHORTCUT_MESSAGE, response_url=app.slack.response_url("sc")
    )
    assert app.send(request) == (200, "")


# --- after the ack, during an outage (PostgreSQL behind a proxy that is cut) ----------


@pytest.mark.postgres
@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_every_roadmap_subcommand_answers_during_an_outage(
    app_via_proxy: RunningApp, proxy: TcpProxy, subcommand: str
) -> None:
    before = database_errors()
    proxy.cut()
    try:
        roadmap(app_via_proxy, subcommand)
        answer_with(app_via_proxy.slack, DATABASE_DOWN)
    finally:
        proxy.restore()
    assert database_errors() > before


@pytest.mark.postgres
def test_the_message_shortcut_answers_during_an_outage(
    app_via_proxy: RunningApp, proxy: TcpProxy
) -> None:
    proxy.cut()
    try:
        shortcut(app_via_proxy)
        answer_with(app_via_proxy.slack, DATABASE_DOWN)
    finally:
        proxy.restore()


# --- after the ack, on an unexpected error --------------------------------------------


@pytest.fixture
def broken_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every unit of work the /roadmap and shortcut listeners open raises a bug."""

    @contextmanager
    def broken(*_args: Any, **_kwargs: Any) -> Iterator[Any]:
        raise RuntimeError("a bug")
        yield

    def broken_call(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    for module in ("roadmap", "pulses", "shortcuts"):
        monkeypatch.setattr(f"bot.slack.listeners.{module}.unit_of_work", broken)
    monkeypatch.setattr("bot.slack.listeners.pulses.start_round_from_slack", broken_call)


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_every_roadmap_subcommand_answers_an_unexpected_error(
    running_app: RunningApp, broken_storage: None, subcommand: str
) -> None:
    roadmap(running_app, subcommand)
    answer_with(running_app.slack, SOMETHING_WRONG)


def test_the_message_shortcut_answers_an_unexpected_error(
    running_app: RunningApp, broken_storage: None
) -> None:
    shortcut(running_app)
    answer_with(running_app.slack, SOMETHING_WRONG)


def test_an_outage_seen_after_the_ack_is_told_as_one(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same classification as the error handler's (SQLite: an OperationalError)."""

    @contextmanager
    def down(*_args: Any, **_kwargs: Any) -> Iterator[Any]:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        yield

    monkeypatch.setattr("bot.slack.listeners.roadmap.unit_of_work", down)
    before = database_errors()
    roadmap(running_app, "stats")
    answer_with(running_app.slack, DATABASE_DOWN)
    assert database_errors() == before + 1


# --- bad input is not an outage, on both databases ------------------------------------


@pytest.fixture
def any_app(slack: FakeSlackAPI, database: Database) -> Iterator[RunningApp]:
    yield from serve_app(slack, database)


TOO_BIG = str(2**31)
FAR_TOO_BIG = str(2**70)
LONG_ID = "U" + "X" * 40


def form(title: str, details: str = "please") -> dict[str, Any]:
    return {
        "title": {"title_input": {"type": "plain_text_input", "value": title}},
        "details": {"details_input": {"type": "plain_text_input", "value": details}},
    }


IN_ACK: dict[str, Callable[[], SignedRequest]] = {
    "NUL in /feedback": lambda: slash_command("/feedback", "faster\x00 builds"),
    "long user id in /feedback": lambda: slash_command("/feedback", "faster", user_id=LONG_ID),
    "long team id in /feedback": lambda: slash_command("/feedback", "faster", team_id=LONG_ID),
    "long trigger id in /feedback": lambda: slash_command(
        "/feedback", "faster", trigger_id="1." * 150
    ),
    "NUL in a form title": lambda: view_submission("feedback_modal", form("fast\x00er")),
    "NUL in form details": lambda: view_submission("feedback_modal", form("fast", "a\x00b")),
    "long user id in a form": lambda: view_submission(
        "feedback_modal", form("faster"), user_id=LONG_ID
    ),
}


@pytest.mark.parametrize("case", list(IN_ACK))
def test_bad_input_answered_in_the_ack_is_not_an_outage(any_app: RunningApp, case: str) -> None:
    before = database_errors()
    status, body = any_app.send(IN_ACK[case]())
    assert status == 200
    assert NOT_VALID in body
    assert DATABASE_DOWN not in body
    assert count_requests(any_app.db) == 0
    assert database_errors() == before


def button(action_id: str, value: str, **kwargs: Any) -> Callable[[FakeSlackAPI], SignedRequest]:
    return lambda slack: block_action(
        action_id, value, response_url=slack.response_url("button"), **kwargs
    )


def roadmap_command(text: str) -> Callable[[FakeSlackAPI], SignedRequest]:
    return lambda slack: slash_command(
        "/roadmap", text, user_id=ADMIN_ID, response_url=slack.response_url("button")
    )


LATER: dict[str, Callable[[FakeSlackAPI], SignedRequest]] = {
    "vote on theme 2**31": button("vote_theme", TOO_BIG),
    "vote on theme 2**70": button("vote_theme", FAR_TOO_BIG),
    "+1 instead with 2**31": button("vote_instead", f"{TOO_BIG}:1"),
    "details of theme 2**31": button("theme_details", TOO_BIG),
    "pulse score in round 2**31": button("pulse_score_3", f"{TOO_BIG}:3"),
    "pulse score in round 2**70": button("pulse_score_3", f"{FAR_TOO_BIG}:3"),
    "follow-up 2**31": button("followup_answer_yes", f"{TOO_BIG}:yes"),
    "vote by a long user id": button("vote_theme", "1", user_id=LONG_ID),
    "vote with a long action_ts": button("vote_theme", "1", action={"action_ts": "1." * 150}),
    "NUL in a button value": button("vote_theme", "1\x00"),
    "/roadmap theme 2**70": roadmap_command(f"theme {FAR_TOO_BIG}"),
    "/roadmap status 2**31": roadmap_command(f"status {TOO_BIG} planned"),
    "/roadmap merge 2**31": roadmap_command(f"merge 1 {TOO_BIG}"),
    "/roadmap split 2**70": roadmap_command(f"split {FAR_TOO_BIG}"),
    "/roadmap split with a NUL label": roadmap_command("split 1 a\x00b"),
    "/roadmap status with a NUL note": roadmap_command("status 1 planned a\x00b"),
}


@pytest.mark.parametrize("case", list(LATER))
def test_bad_input_answered_after_the_ack_is_not_an_outage(any_app: RunningApp, case: str) -> None:
    """In the HTTP answer when the edge refuses it, else through the response URL."""
    before = database_errors()
    status, body = any_app.send(LATER[case](any_app.slack))
    assert status == 200
    answer = body if NOT_VALID in body else json.dumps(answer_with(any_app.slack, NOT_VALID).params)
    assert DATABASE_DOWN not in answer
    assert database_errors() == before


@pytest.fixture
def postgres_app(slack: FakeSlackAPI, postgres_database: Database) -> Iterator[RunningApp]:
    yield from serve_app(slack, postgres_database)


@pytest.mark.postgres
def test_a_value_the_database_refuses_is_answered_as_bad_input(postgres_app: RunningApp) -> None:
    """The safety net: a value the edge has no rule for (an objective name longer than its
    column) is refused by PostgreSQL with a DataError, told "not valid", and not counted."""
    seed_workspace(postgres_app.db)
    before = database_errors()
    forged = view_submission(
        "objectives_modal", objectives_state("3", new_name="N" * 200), user_id=ADMIN_ID
    )
    status, body = postgres_app.send(forged)
    assert status == 200
    assert NOT_VALID in body
    assert database_errors() == before


def test_a_comment_form_with_unreadable_metadata_is_answered(any_app: RunningApp) -> None:
    values = {"pulse_comment": {"pulse_comment_input": {"type": "plain_text_input", "value": "x"}}}
    for metadata in (json.dumps({"round": TOO_BIG}), json.dumps({"round": "abc"})):
        status, body = any_app.send(
            view_submission("pulse_comment_modal", values, private_metadata=metadata)
        )
        assert status == 200
        assert SOMETHING_WRONG not in body
        assert DATABASE_DOWN not in body


# --- malformed bodies -----------------------------------------------------------------


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [50_000, 500])
def test_deeply_nested_json_is_refused_with_400(
    served_app: RunningApp, caplog: pytest.LogCaptureFixture, depth: int
) -> None:
    caplog.set_level(logging.ERROR)
    assert served_app.send(sign(nested(depth), JSON))[0] == 400
    assert served_app.send(sign("payload=" + quote(nested(depth)), FORM))[0] == 400
    assert caplog.records == []
    assert served_app.slack.calls() == []


def test_a_block_actions_with_no_actions_gets_a_clean_answer(
    served_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    clicked = block_action("vote_theme", "1", response_url=served_app.slack.response_url())
    for actions in ([], None, [None], ["x"], [{"value": "1"}]):
        payload = {**clicked.payload(), "actions": actions}
        status, _ = served_app.send(sign("payload=" + quote(json.dumps(payload)), FORM))
        assert status in {200, 400, 404}, (actions, status)
    time.sleep(0.1)
    assert caplog.records == []
    assert served_app.slack.responses() == []
