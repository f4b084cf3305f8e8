"""/feedback with text: logged at once, placed in a theme, duplicates suggested."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import slash_command
from tests.fixtures.app import RunningApp, serve_app
from tests.fixtures.databases import Database
from tests.integration.app.checks import all_text, count_requests, requests, valid_blocks
from tests.integration.app.seed import seed_workspace


def feedback(app: RunningApp, text: str, trigger_id: str | None = None) -> dict:
    status, body = app.send(
        slash_command(
            "/feedback", text, trigger_id=trigger_id, response_url=app.slack.response_url()
        )
    )
    assert status == 200
    return json.loads(body) if body else {}


def test_logs_at_once_then_suggests_the_similar_theme(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    answer = feedback(running_app, "pls make CI faster with a shared build cache")
    assert answer["response_type"] == "ephemeral"
    assert "Logged as" in all_text(valid_blocks(answer["blocks"]))
    assert count_requests(running_app.db) == 6
    [followup] = running_app.slack.wait_for("response_url")
    blocks = valid_blocks(followup.param("blocks"))
    assert followup.param("replace_original") is True
    assert "Part of the theme" in all_text(blocks)
    assert f"*#{seeded.ci_theme} Remote build cache for CI*" in all_text(blocks)  # its id
    buttons = [b["accessory"] for b in blocks if b.get("accessory", {}).get("type") == "button"]
    assert buttons, "no +1 instead button"
    assert buttons[0]["value"].endswith(f":{seeded.ci_theme}")
    assert len(buttons) <= 3


def test_a_near_copy_joins_the_existing_theme(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    feedback(running_app, "CI builds are way too slow!! please add a remote build cache")
    [followup] = running_app.slack.wait_for("response_url")
    assert "Remote build cache for CI" in all_text(followup.param("blocks"))
    assert requests(running_app.db)[-1].theme_id == seeded.ci_theme


def test_a_new_topic_starts_its_own_theme(running_app: RunningApp) -> None:
    seeded = seed_workspace(running_app.db)
    feedback(running_app, "GPU nodes for the ML notebooks team")
    running_app.slack.wait_for("response_url")
    newest = requests(running_app.db)[-1]
    assert newest.theme_id not in (None, seeded.ci_theme, seeded.rollback_theme)


def test_the_same_command_delivered_twice_is_one_request(running_app: RunningApp) -> None:
    request = slash_command(
        "/feedback",
        "faster CI",
        trigger_id="111.222.abc",
        response_url=running_app.slack.response_url(),
    )
    assert running_app.send(request)[0] == 200
    assert running_app.send(request.with_retry(1))[0] == 200
    assert count_requests(running_app.db) == 1


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("x" * 4001, "4,001 characters"),
    ],
)
def test_bad_input_gets_a_clear_answer_and_changes_nothing(
    running_app: RunningApp, text: str, says: str
) -> None:
    answer = feedback(running_app, text)
    assert says in all_text(valid_blocks(answer["blocks"]))
    assert count_requests(running_app.db) == 0


def test_whitespace_only_opens_the_form_instead(running_app: RunningApp) -> None:
    assert feedback(running_app, "   \n ") == {}
    [call] = running_app.slack.wait_for("views.open")
    assert call.param("view")["callback_id"] == "feedback_modal"
    assert count_requests(running_app.db) == 0


def test_user_text_cannot_ping_or_link(running_app: RunningApp) -> None:
    answer = feedback(
        running_app, "<!channel> <!here> <@U0BOSS0001> <http://x.example|y> & more CI cache"
    )
    shown = all_text(answer["blocks"])
    for raw in ("<!channel>", "<!here>", "<@U0BOSS0001>", "<http://"):
        assert raw not in shown
    assert "&lt;!channel&gt;" in shown
    [followup] = running_app.slack.wait_for("response_url")
    assert "<!channel>" not in all_text(followup.param("blocks"))
    assert requests(running_app.db)[0].title.startswith("<!channel> <!here>")


def test_unicode_and_emoji_are_kept(running_app: RunningApp) -> None:
    feedback(running_app, "Schnellere Builds für uns 🚀 — merci")
    assert requests(running_app.db)[0].title == "Schnellere Builds für uns 🚀 — merci"


def test_help(running_app: RunningApp) -> None:
    answer = feedback(running_app, "help")
    assert "/feedback" in all_text(valid_blocks(answer["blocks"]))
    assert count_requests(running_app.db) == 0
    status, body = running_app.send(slash_command("/roadmap", "help"))
    assert status == 200
    assert "/roadmap" in all_text(valid_blocks(json.loads(body)["blocks"]))


def test_slack_failing_loses_no_request(running_app: RunningApp) -> None:
    running_app.slack.fail_next("response_url", status=500, times=10)
    feedback(running_app, "faster deploys")
    assert count_requests(running_app.db) == 1


@pytest.fixture
def app_on_each_database(slack: FakeSlackAPI, database: Database) -> Iterator[RunningApp]:
    yield from serve_app(slack, database)


def test_a_known_persons_request_is_stored_queued_and_answered_once(
    app_on_each_database: RunningApp,
) -> None:
    """A person's first request creates them; the next ones find them, retries included,
    and end up alike: one row each, with the requester's domain, placed in a theme and
    answered once."""
    app = app_on_each_database
    seed_workspace(app.db)
    feedback(app, "a staging database per branch")
    second = slash_command(
        "/feedback",
        "CI builds are way too slow, please add a remote build cache",
        trigger_id="333.444.lean",
        response_url=app.slack.response_url(),
    )
    answers = [app.send(second), app.send(second.with_retry(1))]
    assert [status for status, _ in answers] == [200, 200]
    logged = [all_text(valid_blocks(json.loads(body)["blocks"])) for _, body in answers]
    assert "Logged as" in logged[0]
    app.slack.wait_for("response_url", count=2)
    first, newest = requests(app.db)[-2:]
    assert count_requests(app.db) == 7
    assert newest.title == "CI builds are way too slow, please add a remote build cache"
    assert (newest.requester_id, newest.domain_id) == (first.requester_id, first.domain_id)
    assert all(f"Logged as request *{newest.id}*" in text for text in logged)
    assert newest.theme_id is not None
    time.sleep(0.3)
    assert len(app.slack.calls("response_url")) == 2
