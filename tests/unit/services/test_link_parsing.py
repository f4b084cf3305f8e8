"""Which URLs name a tracker item: GitHub (and Enterprise), Jira (Cloud and Data Center),
Linear; only configured trackers' hosts; Slack's <url|label> wrapping taken off."""

from __future__ import annotations

import pytest

from bot.runtime.settings import Settings
from bot.services.errors import UserFacingError
from bot.services.roadmap.links import LinkTarget, Tracker, Trackers, parse_link

ALL = Trackers(github="github.com", jira="acme.atlassian.net", linear=True)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://github.com/acme/api/issues/12",
            LinkTarget(Tracker.GITHUB, "acme/api#12", "https://github.com/acme/api/issues/12"),
        ),
        (
            "<https://github.com/acme/api/pull/7/files|acme/api#7>",
            LinkTarget(Tracker.GITHUB, "acme/api#7", "https://github.com/acme/api/pull/7"),
        ),
        (
            "https://acme.atlassian.net/browse/PLAT-42?focusedCommentId=1",
            LinkTarget(Tracker.JIRA, "PLAT-42", "https://acme.atlassian.net/browse/PLAT-42"),
        ),
        (
            "https://linear.app/acme/issue/ENG-7/faster-builds",
            LinkTarget(Tracker.LINEAR, "ENG-7", "https://linear.app/acme/issue/ENG-7"),
        ),
    ],
)
def test_items_are_read_from_their_urls(url: str, expected: LinkTarget) -> None:
    assert parse_link(url, ALL) == expected


def test_enterprise_and_data_center_hosts_come_from_settings() -> None:
    settings = Settings(
        github_url="https://github.acme.com",
        github_token="ghp_x",
        jira_url="https://jira.acme.com/jira",
        jira_token="t",
    )
    trackers = Trackers.from_settings(settings)
    assert trackers == Trackers(github="github.acme.com", jira="jira.acme.com", linear=False)
    github = parse_link("https://github.acme.com/platform/ci/issues/3", trackers)
    assert github.item == "platform/ci#3"
    jira = parse_link("https://jira.acme.com/jira/browse/CI-9", trackers)
    assert jira.url == "https://jira.acme.com/jira/browse/CI-9"


@pytest.mark.parametrize(
    ("url", "trackers", "message"),
    [
        ("https://gitlab.com/acme/api/-/issues/1", ALL, "gitlab.com is not a configured tracker"),
        ("https://linear.app/acme/issue/ENG-7", Trackers(github="github.com"), "not a configured"),
        ("https://github.com/acme/api", ALL, "is not a GitHub issue or pull request"),
        ("https://acme.atlassian.net/wiki/x", ALL, "is not a Jira issue"),
        ("https://linear.app/acme/project/x", ALL, "is not a Linear issue"),
        ("javascript:alert(1)", ALL, "is not a link"),
        ("https://github.com/acme/api/issues/1", Trackers(), "No tracker is configured"),
        ("https://acme.atlassian.net/a>b/browse/PLAT-1", ALL, "is not a Jira issue"),
    ],
)
def test_other_urls_are_refused_clearly(url: str, trackers: Trackers, message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        parse_link(url, trackers)


def test_a_tracker_is_configured_by_its_token_or_webhook_secret() -> None:
    assert Trackers.from_settings(Settings()) == Trackers()
    assert Trackers.from_settings(Settings(linear_webhook_secret="s")).linear
    assert Trackers.from_settings(Settings(jira_token="t")).jira is None  # no site URL
