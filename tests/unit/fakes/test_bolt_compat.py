"""The built requests reach bolt listeners as Slack's would, and bolt talks to the fake.

A throwaway bolt app stands in for Pulseboard's, so this checks the fakes, not the app.
"""

from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest, BoltResponse, Respond
from slack_sdk import WebClient

from tests.fakes import slack_payloads
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import (
    SIGNING_SECRET,
    SignedRequest,
    block_action,
    event_callback,
    message_action,
    slash_command,
    url_verification,
    view_submission,
)


@pytest.fixture
def seen() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(slack: FakeSlackAPI, seen: dict[str, Any]) -> App:
    bolt = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(base_url=slack.url, token="xoxb-test"),
    )

    @bolt.command("/feedback")
    def feedback(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack()
        respond(f"Logged: {command['text']}")

    def post_digest(client: WebClient, body: dict[str, Any]) -> None:
        client.chat_postMessage(channel=body["channel_id"], text="digest")

    bolt.command("/roadmap")(ack=lambda ack: ack(), lazy=[post_digest])

    @bolt.action("vote")
    def vote(ack: Ack, body: dict[str, Any]) -> None:
        seen["vote"] = body["actions"][0]["value"]  # before ack: dispatch returns on ack
        ack()

    @bolt.view("feedback_modal")
    def submit(ack: Ack, view: dict[str, Any]) -> None:
        seen["title"] = view["state"]["values"]["title"]["title_input"]["value"]
        ack()

    @bolt.shortcut("log_feature_request")
    def log_request(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        modal = {
            "type": "modal",
            "callback_id": "feedback_modal",
            "title": {"type": "plain_text", "text": "Log request"},
            "private_metadata": shortcut["message"]["ts"],
            "blocks": [],
        }
        client.views_open(trigger_id=shortcut["trigger_id"], view=modal)

    @bolt.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    return bolt


def dispatch(app: App, req: SignedRequest) -> BoltResponse:
    return app.dispatch(BoltRequest(body=req.body, headers=dict(req.headers)))


def test_slash_command_and_respond(app: App, slack: FakeSlackAPI) -> None:
    req = slash_command("/feedback", "dark mode", response_url=slack.response_url("cmd"))

    assert dispatch(app, req).status == 200
    slack.wait_for("response_url")  # bolt finishes the listener after ack(), in a thread
    [reply] = slack.responses("cmd")
    assert reply.params["text"] == "Logged: dark mode"


def test_lazy_listener_calls_are_awaited(app: App, slack: FakeSlackAPI) -> None:
    assert dispatch(app, slash_command("/roadmap", "stats", channel_id="C0DEV0001")).status == 200

    [call] = slack.wait_for("chat.postMessage")
    assert call.params["channel"] == "C0DEV0001"


def test_block_action(app: App, seen: dict[str, Any]) -> None:
    assert dispatch(app, block_action("vote", "theme-7")).status == 200
    assert seen["vote"] == "theme-7"


def test_view_submission(app: App, seen: dict[str, Any]) -> None:
    values = {"title": {"title_input": slack_payloads.plain_text_value("SSO")}}

    assert dispatch(app, view_submission("feedback_modal", values)).status == 200
    assert seen["title"] == "SSO"


def test_message_shortcut_opens_a_modal(app: App, slack: FakeSlackAPI) -> None:
    message = {"text": "Could we get SSO?", "user": "U0CAROL01", "ts": "1712345678.000100"}

    assert dispatch(app, message_action("log_feature_request", message)).status == 200
    [opened] = slack.wait_for("views.open")
    assert opened.params["view"]["private_metadata"] == "1712345678.000100"


def test_app_home_opened_event(app: App, slack: FakeSlackAPI) -> None:
    req = event_callback(slack_payloads.app_home_opened("U0BOB0001"))

    assert dispatch(app, req).status == 200
    slack.wait_for("views.publish")
    assert slack.home_view("U0BOB0001") is not None


def test_url_verification_is_echoed(app: App) -> None:
    response = dispatch(app, url_verification("ch4ll3nge"))

    assert response.status == 200
    assert "ch4ll3nge" in response.body


def test_bad_signatures_and_stale_requests_are_refused(app: App) -> None:
    req = slash_command("/feedback", "x")

    assert dispatch(app, req.with_bad_signature()).status == 401
    assert dispatch(app, req.resigned(timestamp=req.timestamp - 600)).status == 401
