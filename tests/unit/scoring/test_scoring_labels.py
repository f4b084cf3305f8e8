"""Labels people would write (issue 14, part 5): a request's title, cleaned."""

from __future__ import annotations

import pytest

from scoring import clean_label, theme_label
from scoring.labels import LABEL_LENGTH

CLEANED = [
    ("CI is sooo slow pls fix", "CI is slow"),
    (
        "ci builds take 25+ min for a one line change",
        "CI builds take 25+ min for a one line change",
    ),
    ("sso with okta pls", "SSO with okta"),
    ("k8s namespace per team", "K8s namespace per team"),
    ("cicd is slow", "Cicd is slow"),
    (":rocket: faster deploys pls!!", "Faster deploys"),
    ("remote build cache for CI, it's so slow ugh", "Remote build cache for CI"),
    ("flaky tests keep blocking merges ugh", "Flaky tests keep blocking merges"),
    ("google-like search for the data catalog pls 🙏", "Google-like search for the data catalog"),
    ("why does the pipeline reinstall pip deps every single run??", None),
    (
        "quick revert for prod deploys :fire: we needed it twice this week",
        "Quick revert for prod deploys",
    ),
    (
        "self-service topics for the analytics team pls, we create like 5 a month",
        "Self-service topics for the analytics team",
    ),
    ("docs for the deploy tool pls, there are none", "Docs for the deploy tool"),
    (
        "<!here> emergency prod access should not depend on a form",
        "Emergency prod access should not depend on a form",
    ),
    (
        "@channel can we get the pagerduty mobile app for everyone on a rotation? "
        "sms-only paging is not great",
        "Pagerduty mobile app for everyone on a rotation",
    ),
    (
        "streaming onboarding is slow - topic, ACLs, schema are 3 separate tickets",
        "Streaming onboarding is slow",
    ),
    ("the wifi keeps dropping!!! this is so annoying", "Wifi keeps dropping"),
    ("Build-Cache für das Monorepo bitte 🙏 takes forever", "Build-Cache für das Monorepo"),
    (
        '"create kafka topic" button in the developer portal',
        "Create kafka topic button in the developer portal",
    ),
    ("dark mode for the portal", "Dark mode for the portal"),
    ("faster CI", "Faster CI"),
    ("iOS build agents", "iOS build agents"),
    ("One-click rollback to the previous release", "One-click rollback to the previous release"),
]


@pytest.mark.parametrize(("title", "expected"), CLEANED)
def test_a_title_is_cleaned_into_a_name_for_the_need(title: str, expected: str | None) -> None:
    label = clean_label(title)
    if expected is not None:
        assert label == expected
    assert len(label) <= LABEL_LENGTH
    for noise in (":rocket:", ":fire:", "pls", "plz", "ugh", "??", "!!", "🙏", "<!", "@channel"):
        assert noise not in label


@pytest.mark.parametrize(
    "title",
    [
        "ci builds take 25+ min for a one line change, can we get a remote build cache? "
        "it's been like this for months",
        "remote caching for bazel — config is ready on our side, we just need a cache backend",
        "x" * 200,
        "a " * 100,
    ],
)
def test_a_label_is_at_most_60_characters(title: str) -> None:
    assert 0 < len(theme_label(title)) <= LABEL_LENGTH


def test_a_title_with_nothing_left_falls_back_to_the_top_terms() -> None:
    assert theme_label("🙏🙏 :pray:", ("build cache", "ci")) == "Build cache, ci"
    assert theme_label("🙏🙏") == "Untitled request"


def test_only_the_first_line_counts() -> None:
    assert clean_label("Dependency caching\nwe rebuild everything, ugh") == "Dependency caching"
