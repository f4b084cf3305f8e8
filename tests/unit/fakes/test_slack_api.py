"""The fake Web API, driven through a real slack_sdk WebClient."""

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.fakes import slack_ids
from tests.fakes.slack_api import FakeSlackAPI

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Top themes*"}}]


def test_serves_the_web_api_on_loopback(slack: FakeSlackAPI) -> None:
    assert slack.url.startswith("http://127.0.0.1:")
    assert slack.url.endswith("/api/")


def test_auth_test_names_the_bot(client: WebClient) -> None:
    response = client.auth_test()

    assert response["team_id"] == slack_ids.TEAM_ID
    assert response["user_id"] == slack_ids.BOT_USER_ID
    assert response["bot_id"] == slack_ids.BOT_ID
    assert response["url"] == f"https://{slack_ids.TEAM_DOMAIN}.slack.com/"


def test_post_message_is_recorded_with_its_blocks(slack: FakeSlackAPI, client: WebClient) -> None:
    response = client.chat_postMessage(channel="C0DIGEST1", text="Digest", blocks=BLOCKS)

    call = slack.last("chat.postMessage")
    assert call.params == {"channel": "C0DIGEST1", "text": "Digest", "blocks": BLOCKS}
    assert call.token == "xoxb-test"
    assert call.headers["content-type"].startswith("application/json")
    assert response["channel"] == "C0DIGEST1"
    assert response["message"]["blocks"] == BLOCKS
    assert response["message"]["bot_id"] == slack_ids.BOT_ID


def test_message_timestamps_increase(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(3)]

    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 3


def test_posting_to_a_user_lands_in_their_dm(slack: FakeSlackAPI, client: WebClient) -> None:
    response = client.chat_postMessage(channel="U0BOB0001", text="hi")

    assert response["channel"] == slack.dm_channel("U0BOB0001") == "D0BOB0001"


def test_form_encoded_params_are_recorded(slack: FakeSlackAPI, client: WebClient) -> None:
    client.chat_getPermalink(channel="C1", message_ts="1712345678.000100")
    client.api_call("chat.update", data={"channel": "C1", "ts": "1.2", "blocks": '[{"a": 1}]'})

    assert slack.last("chat.getPermalink").params["message_ts"] == "1712345678.000100"
    update = slack.last("chat.update")
    assert update.headers["content-type"] == "application/x-www-form-urlencoded"
    assert update.param("blocks") == [{"a": 1}]


def test_other_chat_methods_answer_like_slack(client: WebClient) -> None:
    ephemeral = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    permalink = client.chat_getPermalink(channel="C1", message_ts="1712345678.000100")
    updated = client.chat_update(channel="C1", ts="1712345678.000100", text="edited")
    deleted = client.chat_delete(channel="C1", ts="1712345678.000100")

    assert "." in ephemeral["message_ts"]
    assert permalink["permalink"].endswith("/archives/C1/p1712345678000100")
    assert updated["ts"] == "1712345678.000100"
    assert updated["message"]["text"] == "edited"
    assert deleted["ts"] == "1712345678.000100"


def test_token_may_come_as_a_param() -> None:
    with FakeSlackAPI() as slack:
        response = WebClient(base_url=slack.url).api_call(
            "auth.test", params={"token": "xoxb-param"}
        )
        assert response["ok"] is True
        assert slack.last("auth.test").token == "xoxb-param"


def test_a_call_without_token_is_not_authed(slack: FakeSlackAPI) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=slack.url).auth_test()

    assert raised.value.response["error"] == "not_authed"
    assert len(slack.calls("auth.test")) == 1


def test_unknown_methods_are_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("reminders.add", json={"text": "x"})

    assert raised.value.response["error"] == "unknown_method"


def test_rate_limit_surfaces_with_retry_after(slack: FakeSlackAPI, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")

    response = raised.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="again")["ok"] is True


def test_a_retry_handler_honours_the_rate_limit(slack: FakeSlackAPI) -> None:
    client = WebClient(
        base_url=slack.url,
        token="xoxb-test",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail_next("chat.postMessage", status=429, retry_after=0)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert len(slack.calls("chat.postMessage")) == 2


def test_server_error(slack: FakeSlackAPI, client: WebClient) -> None:
    slack.fail_next("views.publish", status=500)

    with pytest.raises(SlackApiError) as raised:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": []})

    assert raised.value.response.status_code == 500


def test_scripted_errors_answer_ok_false_then_stop(slack: FakeSlackAPI, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", error="channel_not_found", times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C404", text="hi")
        assert raised.value.response.status_code == 200
        assert raised.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C404", text="hi")["ok"] is True


def test_a_wildcard_failure_hits_any_method(slack: FakeSlackAPI, client: WebClient) -> None:
    slack.fail_next("*", error="invalid_auth")

    with pytest.raises(SlackApiError):
        client.auth_test()
    assert client.auth_test()["ok"] is True


def test_a_slow_answer_times_the_client_out(slack: FakeSlackAPI) -> None:
    slack.fail_next("chat.postMessage", delay=2)
    impatient = WebClient(base_url=slack.url, token="xoxb-test", timeout=0.2)  # type: ignore[arg-type]

    with pytest.raises((TimeoutError, urllib.error.URLError)):
        impatient.chat_postMessage(channel="C1", text="hi")


def test_a_delay_alone_answers_normally_late(slack: FakeSlackAPI, client: WebClient) -> None:
    slack.fail_next("auth.test", delay=0.2)
    started = time.monotonic()

    assert client.auth_test()["ok"] is True
    assert time.monotonic() - started >= 0.2


def test_wait_for_sees_calls_made_from_other_threads(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    def later() -> None:
        time.sleep(0.1)
        client.chat_postMessage(channel="C1", text="from a lazy listener")

    threading.Thread(target=later, daemon=True).start()

    calls = slack.wait_for("chat.postMessage", timeout=5)
    assert calls[0].params["text"] == "from a lazy listener"


def test_wait_for_fails_with_what_was_seen(slack: FakeSlackAPI, client: WebClient) -> None:
    client.auth_test()

    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test"):
        slack.wait_for("chat.postMessage", timeout=0.05)


def test_conversations_open_gives_each_user_a_stable_dm(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    first = client.conversations_open(users="U0ALICE01")
    again = client.conversations_open(users=["U0ALICE01"])
    other = client.conversations_open(users="U0BOB0001")

    assert first["channel"]["id"] == again["channel"]["id"] == slack.dm_channel("U0ALICE01")
    assert first["channel"]["id"].startswith("D")
    assert again["already_open"] is True
    assert other["channel"]["id"] != first["channel"]["id"]


def test_users_info_returns_the_user_set_by_the_test(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    slack.add_user("U0BOB0001", name="bob", tz="Europe/Paris")

    user = client.users_info(user="U0BOB0001")["user"]

    assert user["name"] == "bob"
    assert user["tz"] == "Europe/Paris"
    assert user["tz_offset"] in (3600, 7200)
    assert user["profile"]["display_name"] == "bob"
    assert user["is_bot"] is False
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U0NOBODY1")


def test_users_list_is_paginated(slack: FakeSlackAPI, client: WebClient) -> None:
    for n in range(3):
        slack.add_user(f"U0PAGE00{n}", name=f"user{n}", deleted=n == 2)

    pages = [page.data for page in client.users_list(limit=2)]  # pages reuse one object

    members = [m["id"] for page in pages for m in page["members"]]
    assert members == [
        slack_ids.BOT_USER_ID,
        slack_ids.SLACKBOT_USER_ID,
        "U0PAGE000",
        "U0PAGE001",
        "U0PAGE002",
    ]
    assert len(pages) == 3
    assert pages[0]["response_metadata"]["next_cursor"]
    assert pages[-1]["response_metadata"]["next_cursor"] == ""
    assert pages[-1]["members"][-1]["deleted"] is True


def test_conversations_members(slack: FakeSlackAPI, client: WebClient) -> None:
    slack.set_channel_members("C0PULSE01", ["U1", "U2", "U3"])

    pages = [p.data for p in client.conversations_members(channel="C0PULSE01", limit=2)]

    assert [m for page in pages for m in page["members"]] == ["U1", "U2", "U3"]
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.conversations_members(channel="C0UNKNOWN")


def test_views_are_returned_with_ids_and_kept(slack: FakeSlackAPI, client: WebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "feedback_modal",
        "title": {"type": "plain_text", "text": "Feedback"},
        "private_metadata": "C1",
        "blocks": BLOCKS,
    }

    opened = client.views_open(trigger_id="123.456.abc", view=modal)["view"]
    pushed = client.views_push(trigger_id="123.456.abc", view=modal)["view"]
    updated = client.views_update(view_id=opened["id"], view={**modal, "blocks": []})["view"]

    assert opened["id"].startswith("V")
    assert opened["callback_id"] == "feedback_modal"
    assert opened["private_metadata"] == "C1"
    assert opened["state"] == {"values": {}}
    assert pushed["id"] != opened["id"]
    assert updated["id"] == opened["id"]
    assert slack.view(opened["id"]) == updated
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id="V0MISSING", view=modal)


def test_views_open_needs_a_trigger(client: WebClient) -> None:
    with pytest.raises(SlackApiError, match="invalid_trigger_id"):
        client.api_call("views.open", json={"view": {"type": "modal"}})


def test_home_tab_is_published_per_user(slack: FakeSlackAPI, client: WebClient) -> None:
    home = {"type": "home", "blocks": BLOCKS}

    first = client.views_publish(user_id="U1", view=home)["view"]
    second = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]

    assert first["id"] == second["id"]
    assert first["type"] == "home"
    assert slack.home_view("U1") == second
    assert slack.home_view("U2") is None


def test_files_upload_v2_runs_the_external_upload_flow(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    chart = b"\x89PNG fake chart bytes"

    response = client.files_upload_v2(
        content=chart, filename="pulse.png", title="Pulse trend", channel="C1"
    )

    assert [c.method for c in slack.calls()] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]
    file_id = response["file"]["id"]
    assert file_id.startswith("F")
    assert response["file"]["title"] == "Pulse trend"
    assert slack.last("files.getUploadURLExternal").params["length"] == str(len(chart))
    assert slack.last("files.completeUploadExternal").param("files") == [
        {"id": file_id, "title": "Pulse trend"}
    ]
    assert slack.uploaded_bytes(file_id) == chart


def test_response_urls_are_served_and_recorded(slack: FakeSlackAPI) -> None:
    webhook = WebhookClient(slack.response_url("cmd-1"))

    result = webhook.send(text="Logged!", response_type="ephemeral")

    assert result.status_code == 200
    assert [c.params["text"] for c in slack.responses("cmd-1")] == ["Logged!"]
    assert slack.responses("other") == []


def test_reset_forgets_calls_and_scripts(slack: FakeSlackAPI, client: WebClient) -> None:
    client.auth_test()
    slack.fail_next("auth.test", error="invalid_auth")

    slack.reset()

    assert slack.calls() == []
    assert client.auth_test()["ok"] is True


def test_scripting_nothing_is_an_error(slack: FakeSlackAPI) -> None:
    with pytest.raises(ValueError, match="script"):
        slack.fail_next("auth.test")


def test_get_requests_with_query_params_work(slack: FakeSlackAPI) -> None:
    with urllib.request.urlopen(f"{slack.url}auth.test?token=xoxb-get", timeout=5) as response:
        body = json.loads(response.read())

    assert body["ok"] is True
    assert slack.last("auth.test").params == {"token": "xoxb-get"}


def test_wait_for_can_filter(slack: FakeSlackAPI, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="one")
    client.chat_postMessage(channel="C2", text="two")

    [call] = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C2")
    assert call.params["text"] == "two"
