"""A request with nothing in it is not a request (issue 14, part 3)."""

from __future__ import annotations

import pytest

from scoring import has_content

EMPTY = [
    "ok",
    "+1",
    "🙏",
    "test pls ignore",
    "kubernetes",
    ":rocket: :rocket:",
    "!!!???",
    "...",
    "same here +1",
    "me too!!",
    "this is a test",
    "test test",
    "just testing",
    "<@U0123> +1",
    "SSO pls",
    "thanks",
    "   ",
]
REAL = [
    "dark mode for the portal",
    "faster CI",
    "flaky tests",
    "SSO for Grafana",
    "CI is sooo slow pls fix",
    "ダークモードが欲しい",
    "<https://wiki.example|runbook> search",
    "k8s 1.30 upgrade",
    "Schnellere Builds für uns 🚀",
]


@pytest.mark.parametrize("text", EMPTY)
def test_nothing_about_a_need_is_not_content(text: str) -> None:
    assert not has_content(text)


@pytest.mark.parametrize("text", REAL)
def test_real_short_asks_are_content(text: str) -> None:
    assert has_content(text)
