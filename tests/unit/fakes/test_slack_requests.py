"""Signed requests built as Slack sends them, checked with slack_sdk's own verifier."""

import json
import time
from urllib.parse import parse_qsl

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.fakes import slack_ids, slack_payloads
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import (
    SIGNING_SECRET,
    SignedRequest,
    block_action,
    event_callback,
    global_shortcut,
    message_action,
    post,
    slash_command,
    url_verification,
    view_submission,
)

VERIFIER = SignatureVerifier(SIGNING_SECRET)

ALL_KINDS = {
    "slash_command": lambda: slash_command("/feedback", "dark mode please"),
    "block_action": lambda: block_action("vote", "theme-7"),
    "view_submission": lambda: view_submission("feedback_modal", {}),
    "message_action": lambda: message_action(
        "log_feature_request", {"text": "pls", "user": "U1", "ts": "1.2"}
    ),
    "global_shortcut": lambda: global_shortcut("new_request"),
    "event_callback": lambda: event_callback(slack_payloads.app_home_opened()),
    "url_verification": lambda: url_verification("challenge-123"),
}


def _verifies(req: SignedRequest, verifier: SignatureVerifier = VERIFIER) -> bool:
    return verifier.is_valid_request(req.body, req.headers)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_request_verifies_with_slack_sdk(kind: str) -> None:
    assert _verifies(ALL_KINDS[kind]())


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_bad_signature_does_not_verify(kind: str) -> None:
    assert not _verifies(ALL_KINDS[kind]().with_bad_signature())


def test_another_secret_or_a_stale_timestamp_does_not_verify() -> None:
    req = slash_command("/roadmap", "mine")
    stale = int(time.time()) - 10 * 60

    assert not _verifies(slash_command("/roadmap", secret="some-other-secret"))
    assert not _verifies(slash_command("/roadmap", timestamp=stale))
    assert not _verifies(req.resigned(timestamp=stale))
    assert _verifies(req.resigned(timestamp=int(time.time())))
    assert _verifies(req.resigned(secret="s2"), SignatureVerifier("s2"))


def test_retries_carry_slacks_retry_headers() -> None:
    req = event_callback({"type": "app_home_opened", "user": "U1"}).with_retry(2)

    assert req.headers["X-Slack-Retry-Num"] == "2"
    assert req.headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert _verifies(req)


def test_slash_command_is_form_encoded() -> None:
    req = slash_command(
        "/feedback", "dark mode | for dashboards", user_id="U0BOB0001", channel_id="C0DEV0001"
    )

    assert req.content_type == "application/x-www-form-urlencoded"
    fields = dict(parse_qsl(req.body))
    assert fields["command"] == "/feedback"
    assert fields["text"] == "dark mode | for dashboards"
    assert fields["user_id"] == "U0BOB0001"
    assert fields["channel_id"] == "C0DEV0001"
    assert fields["team_id"] == slack_ids.TEAM_ID
    assert fields["api_app_id"] == slack_ids.API_APP_ID
    assert fields["trigger_id"]
    assert fields["response_url"].startswith("http://127.0.0.1:")


def test_block_action_in_a_message() -> None:
    payload = block_action("vote", "theme-7", "U0BOB0001", block_id="theme-7").payload()

    assert payload["type"] == "block_actions"
    assert payload["user"] == {
        "id": "U0BOB0001",
        "username": "u0bob0001",
        "name": "u0bob0001",
        "team_id": slack_ids.TEAM_ID,
    }
    assert payload["team"] == {"id": slack_ids.TEAM_ID, "domain": slack_ids.TEAM_DOMAIN}
    assert payload["container"]["type"] == "message"
    assert payload["container"]["message_ts"] == payload["message"]["ts"]
    assert payload["channel"]["id"] == slack_ids.CHANNEL_ID
    [action] = payload["actions"]
    assert action["action_id"] == "vote"
    assert action["block_id"] == "theme-7"
    assert action["value"] == "theme-7"
    assert action["type"] == "button"
    assert action["action_ts"]


def test_block_action_in_a_view() -> None:
    home = {"id": "V0HOME001", "type": "home", "blocks": []}

    payload = block_action("open_feedback", view=home).payload()

    assert payload["container"] == {"type": "view", "view_id": "V0HOME001"}
    assert payload["view"]["type"] == "home"
    assert "channel" not in payload
    assert "response_url" not in payload


def test_view_submission_carries_state_and_metadata() -> None:
    values = {"title": {"title_input": slack_payloads.plain_text_value("Dark mode")}}

    payload = view_submission(
        "feedback_modal", values, private_metadata='{"c": "C1"}', view_id="V0MODAL01"
    ).payload()

    assert payload["type"] == "view_submission"
    view = payload["view"]
    assert view["id"] == "V0MODAL01"
    assert view["callback_id"] == "feedback_modal"
    assert view["private_metadata"] == '{"c": "C1"}'
    assert view["state"]["values"]["title"]["title_input"]["value"] == "Dark mode"
    assert view["hash"]
    assert payload["response_urls"] == []


def test_message_action_carries_the_message() -> None:
    message = {"text": "Could we get SSO?", "user": "U0CAROL01", "ts": "1712345678.000100"}

    payload = message_action("log_feature_request", message, "C0DEV0001", "U0BOB0001").payload()

    assert payload["type"] == "message_action"
    assert payload["callback_id"] == "log_feature_request"
    assert payload["message_ts"] == "1712345678.000100"
    assert payload["message"]["text"] == "Could we get SSO?"
    assert payload["channel"]["id"] == "C0DEV0001"
    assert payload["user"]["id"] == "U0BOB0001"


def test_events_are_json() -> None:
    req = event_callback(slack_payloads.app_home_opened("U0BOB0001"), event_id="Ev0TEST01")

    assert req.content_type == "application/json"
    body = json.loads(req.body)
    assert body["type"] == "event_callback"
    assert body["event_id"] == "Ev0TEST01"
    assert body["event"]["type"] == "app_home_opened"
    assert body["event"]["channel"] == "D0BOB0001"
    assert body["authorizations"][0]["user_id"] == slack_ids.BOT_USER_ID
    assert json.loads(url_verification("abc").body)["challenge"] == "abc"


def test_post_sends_to_loopback_with_the_headers() -> None:
    with FakeSlackAPI() as slack:
        status, body, _ = post(slack.response_url("probe"), slash_command("/feedback", "x"))

        assert status == 200
        assert json.loads(body) == {"ok": True}
        [call] = slack.responses("probe")
        assert call.params["command"] == "/feedback"
        assert call.headers["x-slack-signature"].startswith("v0=")


def test_post_refuses_to_leave_the_machine() -> None:
    with pytest.raises(ValueError, match="off this machine"):
        post("https://slack.com/api/auth.test", url_verification("x"))
