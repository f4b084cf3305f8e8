"""The fake remembers what chat.postMessage posted and reads it back like Slack does."""

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from tests.fakes.slack_api import FakeSlackAPI

METADATA = {"event_type": "pulseboard_outbox", "event_payload": {"key": "status:1:U0BOB0001"}}


def post(client: WebClient, channel: str, text: str, **kwargs: object) -> str:
    return str(client.chat_postMessage(channel=channel, text=text, **kwargs)["ts"])


def texts(response: SlackResponse) -> list[str]:
    return [m["text"] for m in response["messages"]]


def test_history_lists_a_channels_messages_newest_first(client: WebClient) -> None:
    for text in ("one", "two", "three"):
        post(client, "C0DIGEST1", text)
    post(client, "C0OTHER01", "elsewhere")

    response = client.conversations_history(channel="C0DIGEST1")

    assert texts(response) == ["three", "two", "one"]
    assert response["has_more"] is False
    assert all(m["bot_id"] and m["type"] == "message" for m in response["messages"])


def test_an_empty_conversation_has_no_messages(client: WebClient) -> None:
    assert client.conversations_history(channel="C0QUIET01")["messages"] == []


def test_a_post_to_a_user_lands_in_their_dm(slack: FakeSlackAPI, client: WebClient) -> None:
    post(client, "U0BOB0001", "hi Bob")
    dm = client.conversations_open(users="U0BOB0001")["channel"]["id"]

    assert texts(client.conversations_history(channel=dm)) == ["hi Bob"]
    assert [m["text"] for m in slack.workspace.posted("U0BOB0001")] == ["hi Bob"]
    with pytest.raises(SlackApiError) as e:
        client.conversations_history(channel="U0BOB0001")  # a user ID is no conversation
    assert e.value.response["error"] == "channel_not_found"


def test_timestamps_are_the_time_of_posting(client: WebClient) -> None:
    before = time.time()
    ts = float(post(client, "C0DIGEST1", "now"))

    assert before - 1 <= ts <= time.time() + 1


def test_oldest_and_latest_bound_the_window_exclusively(client: WebClient) -> None:
    stamps = [post(client, "C0DIGEST1", text) for text in ("a", "b", "c", "d")]

    between = client.conversations_history(channel="C0DIGEST1", oldest=stamps[0], latest=stamps[3])
    inclusive = client.conversations_history(
        channel="C0DIGEST1", oldest=stamps[1], latest=stamps[2], inclusive=True
    )
    since = client.conversations_history(channel="C0DIGEST1", oldest=stamps[2])

    assert texts(between) == ["c", "b"]
    assert texts(inclusive) == ["c", "b"]
    assert texts(since) == ["d"]


def test_an_unreadable_bound_is_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as e:
        client.conversations_history(channel="C0DIGEST1", oldest="yesterday")
    assert e.value.response["error"] == "invalid_ts_oldest"


def test_limit_pages_with_a_cursor(client: WebClient) -> None:
    for n in range(5):
        post(client, "C0DIGEST1", str(n))

    first = client.conversations_history(channel="C0DIGEST1", limit=2)
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_history(channel="C0DIGEST1", limit=2, cursor=cursor)
    cursor = second["response_metadata"]["next_cursor"]
    last = client.conversations_history(channel="C0DIGEST1", limit=2, cursor=cursor)

    assert (texts(first), texts(second), texts(last)) == (["4", "3"], ["2", "1"], ["0"])
    assert (first["has_more"], second["has_more"], last["has_more"]) == (True, True, False)


def test_metadata_is_read_back_only_when_asked_for(client: WebClient) -> None:
    post(client, "U0BOB0001", "planned", metadata=METADATA)

    plain = client.conversations_history(channel="D0BOB0001")
    full = client.conversations_history(channel="D0BOB0001", include_all_metadata=True)

    assert "metadata" not in plain["messages"][0]
    assert full["messages"][0]["metadata"] == METADATA


def test_thread_replies_stay_in_their_thread(client: WebClient) -> None:
    parent = post(client, "C0DIGEST1", "Digest")
    post(client, "C0DIGEST1", "details", thread_ts=parent, metadata=METADATA)
    post(client, "C0DIGEST1", "shared too", thread_ts=parent, reply_broadcast=True)

    history = client.conversations_history(channel="C0DIGEST1")
    thread = client.conversations_replies(channel="C0DIGEST1", ts=parent, include_all_metadata=True)

    assert texts(history) == ["shared too", "Digest"]
    assert history["messages"][1]["reply_count"] == 2
    assert texts(thread) == ["Digest", "details", "shared too"]
    assert thread["messages"][1]["metadata"] == METADATA
    with pytest.raises(SlackApiError) as e:
        client.conversations_replies(channel="C0DIGEST1", ts="1.000001")
    assert e.value.response["error"] == "thread_not_found"


def test_update_and_delete_change_what_history_shows(client: WebClient) -> None:
    keep = post(client, "C0DIGEST1", "draft")
    gone = post(client, "C0DIGEST1", "oops")

    client.chat_update(channel="C0DIGEST1", ts=keep, text="final")
    client.chat_delete(channel="C0DIGEST1", ts=gone)

    [message] = client.conversations_history(channel="C0DIGEST1")["messages"]
    assert (message["ts"], message["text"]) == (keep, "final")
    assert "edited" in message


def test_a_scripted_failure_still_applies_to_history(
    slack: FakeSlackAPI, client: WebClient
) -> None:
    slack.fail_next("conversations.history", status=429, retry_after=3)

    with pytest.raises(SlackApiError) as e:
        client.conversations_history(channel="C0DIGEST1")

    assert e.value.response.status_code == 429
    assert e.value.response.headers["Retry-After"] == "3"
