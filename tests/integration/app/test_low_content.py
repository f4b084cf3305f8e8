"""A request with nothing in it is not stored; the reply asks for a sentence (issue 14 §3).

One rule (``scoring.has_content`` via ``bot.services.requests``) for `/feedback`, the
form opened from `/feedback` or App Home, and the message shortcut's form.
"""

from __future__ import annotations

import json

import pytest

from tests.fakes.slack_requests import slash_command, view_submission
from tests.fixtures.app import RunningApp
from tests.integration.app.checks import all_text, count_requests, valid_blocks
from tests.integration.app.seed import seed_workspace
from tests.integration.app.test_feedback_form import form_state

EMPTY_ASKS = ["ok", "+1", "🙏", "test pls ignore", "kubernetes", ":tada: !!!"]
REAL_ASKS = ["dark mode for the portal", "faster CI"]


@pytest.mark.parametrize("text", EMPTY_ASKS)
def test_feedback_with_nothing_in_it_asks_for_a_sentence(
    running_app: RunningApp, text: str
) -> None:
    seed_workspace(running_app.db)
    before = count_requests(running_app.db)
    status, body = running_app.send(
        slash_command("/feedback", text, response_url=running_app.slack.response_url())
    )
    assert status == 200
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral"
    assert "one sentence about what you need" in all_text(valid_blocks(answer["blocks"]))
    assert count_requests(running_app.db) == before


@pytest.mark.parametrize("text", REAL_ASKS)
def test_a_real_short_ask_is_logged(running_app: RunningApp, text: str) -> None:
    seed_workspace(running_app.db)
    before = count_requests(running_app.db)
    status, body = running_app.send(
        slash_command("/feedback", text, response_url=running_app.slack.response_url())
    )
    assert status == 200
    assert "Logged as" in all_text(valid_blocks(json.loads(body)["blocks"]))
    assert count_requests(running_app.db) == before + 1


@pytest.mark.parametrize(
    ("title", "details", "stored"),
    [("+1", "", False), ("ok", "🙏", False), ("+1", "we need dark mode in the portal", True)],
)
@pytest.mark.parametrize("source", ["command", "home", "shortcut"])
def test_the_form_refuses_a_request_with_nothing_in_it(
    running_app: RunningApp, title: str, details: str, stored: bool, source: str
) -> None:
    seed_workspace(running_app.db)
    before = count_requests(running_app.db)
    status, body = running_app.send(
        view_submission(
            "feedback_modal",
            form_state(title=title, details=details),
            private_metadata=json.dumps({"source": source}),
        )
    )
    assert status == 200
    if stored:
        assert count_requests(running_app.db) == before + 1
    else:
        answer = json.loads(body)
        assert answer["response_action"] == "errors"
        assert "one sentence" in answer["errors"]["title"]
        assert count_requests(running_app.db) == before
