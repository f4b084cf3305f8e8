"""Which response URLs the app may call: Slack's hooks host, or the configured API's host.

Pure checks of the policy (no URL is called); the app-level tests in test_unverified.py
show that every path that answers through a response URL goes through it.
"""

from __future__ import annotations

import pytest

from bot.runtime.settings import DEFAULT_SLACK_API_URL
from bot.slack.response_urls import RESPONSE_URL_TIMEOUT_SECONDS, ResponseUrls

SLACK = ResponseUrls.for_api(DEFAULT_SLACK_API_URL)
GOVSLACK = ResponseUrls.for_api("https://slack-gov.com/api/")
FAKE = ResponseUrls.for_api("http://127.0.0.1:8123/api/")


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/commands/T0001/1234/abcd",
        "https://hooks.slack.com/actions/T0001/1234/abcd",
        "https://HOOKS.SLACK.COM/commands/T0001/1234/abcd",
        "https://hooks.slack.com:443/commands/T0001/1234/abcd",
    ],
)
def test_slack_hooks_urls_are_allowed(url: str) -> None:
    assert SLACK.allows(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/commands/T0001/1234/abcd",  # not over TLS
        "https://hooks.slack.com:8443/commands/x",
        "https://hooks.slack.com.evil.example/commands/x",
        "https://evilhooks.slack.com/x",
        "https://evil.example/hooks.slack.com/x",
        "https://hooks.slack.com@evil.example/x",
        "https://user:pw@hooks.slack.com/x",
        "https://hooks.slack.com\\@evil.example/x",
        "https://hooks.slack.com\t.evil.example/x",
        "https://hooks.slack.com\n/x",
        "https://hooks.sl\u0430ck.com/x",  # a Cyrillic "a"
        "https://127.0.0.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8123/response/x",  # the fake's host, but the app talks to Slack
        "file:///etc/passwd",
        "gopher://hooks.slack.com/x",
        "//hooks.slack.com/x",
        "hooks.slack.com/x",
        "https://hooks.slack.com:99999/x",
        "",
        None,
    ],
)
def test_everything_else_is_refused(url: str | None) -> None:
    assert not SLACK.allows(url)
    assert SLACK.client(url) is None


def test_govslack_and_a_fake_are_derived_from_the_api_url() -> None:
    assert GOVSLACK.allows("https://hooks.slack-gov.com/commands/T1/2/3")
    assert not GOVSLACK.allows("https://hooks.slack-gov.com.evil.example/commands/T1/2/3")
    assert FAKE.allows("http://127.0.0.1:8123/response/default")
    assert not FAKE.allows("http://127.0.0.1:8124/response/default")
    assert not FAKE.allows("http://localhost:8123/response/default")
    assert not FAKE.allows("https://127.0.0.1:8123/response/default")


def test_calls_through_a_response_url_time_out_in_a_few_seconds() -> None:
    client = SLACK.client("https://hooks.slack.com/commands/T0001/1234/abcd")
    assert client is not None
    assert client.timeout == RESPONSE_URL_TIMEOUT_SECONDS <= 5
