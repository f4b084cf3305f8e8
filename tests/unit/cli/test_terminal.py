"""The terminal digest names each theme by its id, with the rank in its own column."""

from __future__ import annotations

from rich.console import Console

from bot.cli.terminal import print_digest
from tests.fixtures.digest_views import one_theme_digest


def test_the_terminal_digest_shows_rank_and_id() -> None:
    console = Console(record=True, width=160)
    view = one_theme_digest("")
    print_digest(view, console)
    text = console.export_text()
    assert "Rank" in text
    assert "#17" in text
    assert "One-click deploy rollback" in text
    assert "• #5 Remote build cache" in text


def test_a_narrow_terminal_puts_the_figures_under_the_theme() -> None:
    # at 80 columns, four more columns of figures left the theme ~13 characters a line
    console = Console(record=True, width=80)
    print_digest(one_theme_digest(""), console)
    text = console.export_text()
    assert "Backers" not in text
    assert "One-click deploy rollback" in text, "the label is not broken over lines"
    assert "backers ·" in text or "backer ·" in text
    assert max(len(line) for line in text.splitlines()) <= 80
