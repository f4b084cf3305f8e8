"""Escaping: user text never pings, links or mentions anyone."""

from __future__ import annotations

import pytest

from bot.slack.blocks.text import escape, plural, safe


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<!channel> look", "&lt;!channel&gt; look"),
        ("<!here>", "&lt;!here&gt;"),
        ("ping <@U123ABC>", "ping &lt;@U123ABC&gt;"),
        ("<http://evil.example|click>", "&lt;http://evil.example|click&gt;"),
        ("ci & cd", "ci &amp; cd"),
        ("café 🚀 für", "café 🚀 für"),
    ],
)
def test_escape(typed: str, shown: str) -> None:
    assert escape(typed) == shown


def test_safe_never_cuts_an_escape_in_half() -> None:
    text = "a" * 8 + "<b"
    shown = safe(text, 11)
    assert shown == "a" * 8 + "…"
    assert len(shown) <= 11


def test_plural() -> None:
    assert plural(1, "vote") == "1 vote"
    assert plural(3, "vote") == "3 votes"
    assert plural(2, "reply", "replies") == "2 replies"
