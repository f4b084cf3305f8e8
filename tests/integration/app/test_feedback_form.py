"""The request form: from /feedback, App Home and the message shortcut; validation on fields."""

from __future__ import annotations

import json
import time

from tests.fakes import slack_ids as ids
from tests.fakes.slack_requests import block_action, message_action, slash_command, view_submission
from tests.fixtures.app import RunningApp
from tests.integration.app.checks import (
    all_text,
    count_requests,
    requests,
    valid_blocks,
    valid_view,
)
from tests.integration.app.seed import seed_workspace

AUTHOR = "U0AUTHOR01"


def form_state(
    title: str = "Faster CI",
    details: str = "",
    domain: str | None = "ci",
    pain: str | None = "4",
    tell_thread: bool = False,
) -> dict:
    state: dict = {
        "title": {"title_input": {"type": "plain_text_input", "value": title}},
        "details": {"details_input": {"type": "plain_text_input", "value": details or None}},
        "pain": {
            "pain_input": {
                "type": "radio_buttons",
                "selected_option": {"value": pain} if pain else None,
            }
        },
    }
    if domain is not None:
        state["domain"] = {
            "domain_input": {"type": "static_select", "selected_option": {"value": domain}}
        }
    if tell_thread:
        state["tell_thread"] = {
            "tell_thread_input": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
        }
    return state


def opened_modal(app: RunningApp) -> dict:
    [call] = app.slack.wait_for("views.open")
    return valid_view(call.param("view"))


def test_empty_feedback_opens_the_form_with_the_users_last_domain(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    running_app.send(slash_command("/feedback", ""))
    modal = opened_modal(running_app)
    domain = next(b for b in modal["blocks"] if b["block_id"] == "domain")
    assert domain["element"]["initial_option"]["value"] == "ci"
    pain = next(b for b in modal["blocks"] if b["block_id"] == "pain")
    assert "Blocks my team's work today" in all_text([pain])
    assert any(b["block_id"] == "objective" for b in modal["blocks"])


def test_home_button_opens_the_form(running_app: RunningApp) -> None:
    running_app.send(block_action("open_feedback_modal", "home", view={"type": "home"}))
    assert opened_modal(running_app)["callback_id"] == "feedback_modal"


def test_submission_errors_show_on_the_fields(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    before = count_requests(running_app.db)
    for state, field in [
        (form_state(title="   "), "title"),
        (form_state(details="x" * 4001), "details"),
        (form_state(domain="no-such-domain"), "domain"),
        (form_state(pain="9"), "pain"),
    ]:
        status, body = running_app.send(view_submission("feedback_modal", state))
        assert status == 200
        answer = json.loads(body)
        assert answer["response_action"] == "errors"
        assert field in answer["errors"]
    assert count_requests(running_app.db) == before


def test_a_valid_submission_is_stored_once_and_confirmed_by_dm(running_app: RunningApp) -> None:
    seed_workspace(running_app.db)
    before = count_requests(running_app.db)
    submission = view_submission(
        "feedback_modal",
        form_state(details="40 min builds"),
        view_id="V0FORM0001",
        private_metadata=json.dumps({"source": "home"}),
    )
    status, body = running_app.send(submission)
    assert (status, body) == (200, "")
    running_app.send(submission.with_retry(1))
    assert count_requests(running_app.db) == before + 1
    newest = requests(running_app.db)[-1]
    assert (newest.title, newest.pain, newest.source.value) == ("Faster CI", 4, "home")
    [dm] = running_app.slack.wait_for("chat.postMessage")
    assert dm.params["channel"] == ids.USER_ID
    assert f"request *{newest.id}*" in all_text(valid_blocks(dm.param("blocks")))


def test_message_shortcut_records_the_author_and_tells_the_thread_only_if_asked(
    running_app: RunningApp,
) -> None:
    seed_workspace(running_app.db)
    message = {
        "type": "message",
        "user": AUTHOR,
        "ts": "1700000000.000200",
        "text": "can we please get preview envs for every PR? <!here>",
    }
    running_app.send(message_action("log_feature_request", message))
    modal = opened_modal(running_app)
    title = next(b for b in modal["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"].startswith("can we please get preview envs")
    assert any(b["block_id"] == "tell_thread" for b in modal["blocks"])
    metadata = modal["private_metadata"]

    quiet = view_submission(
        "feedback_modal",
        form_state(title="Preview envs"),
        private_metadata=metadata,
        view_id="V0QUIET001",
    )
    running_app.send(quiet)
    running_app.slack.wait_for("chat.getPermalink")
    stored = requests(running_app.db)[-1]
    with running_app.db.sessions() as session:
        stored = session.merge(stored)
        assert stored.requester.slack_id == AUTHOR
        assert stored.logged_by_id is not None
        assert stored.source.value == "shortcut"
    loud = view_submission(
        "feedback_modal",
        form_state(title="Preview envs", tell_thread=True),
        private_metadata=metadata,
        view_id="V0LOUD0001",
    )
    running_app.send(loud)
    posts = running_app.slack.wait_for("chat.postMessage", count=3)
    threaded = [p for p in posts if p.params.get("thread_ts")]
    assert len(threaded) == 1
    assert threaded[0].params["thread_ts"] == "1700000000.000200"
    assert "<!here>" not in threaded[0].params.get("text", "")


def test_message_link_is_stored(running_app: RunningApp) -> None:
    message = {"type": "message", "user": AUTHOR, "ts": "1700000000.000300", "text": "x"}
    running_app.send(message_action("log_feature_request", message))
    metadata = opened_modal(running_app)["private_metadata"]
    running_app.send(
        view_submission(
            "feedback_modal",
            form_state(title="Link me to the deploy docs", domain=None),
            private_metadata=metadata,
            view_id="V0LINK0001",
        )
    )
    running_app.slack.wait_for("chat.getPermalink")
    for _ in range(50):
        if requests(running_app.db)[-1].message_link:
            break
        time.sleep(0.05)
    assert requests(running_app.db)[-1].message_link
