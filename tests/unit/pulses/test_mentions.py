"""Which pulse comments count towards a theme's satisfaction signal (docs/scoring.md)."""

from __future__ import annotations

from bot.services.pulses.mentions import mentions, theme_mentions
from bot.services.pulses.results import ReleasedComment

TERMS = ("build cache", "ci", "builds", "remote")


def test_a_two_word_term_or_two_single_terms_make_a_mention() -> None:
    assert mentions("Please add a build cache, I wait all day", TERMS, "Remote build cache")
    assert mentions("CI builds are slow", TERMS, "x")
    assert not mentions("CI is fine", TERMS, "x")  # one single term is not enough
    assert not mentions("the cafeteria food", TERMS, "x")


def test_without_terms_the_label_is_used() -> None:
    assert mentions("rollback of a deploy is painful", (), "One-click deploy rollback")


def test_mood_comes_from_the_rounds_published_average_and_needs_k_people() -> None:
    # Round moods (published averages 1.0 and 5.0 → −1 and +1), never the author's score.
    comments = [
        ReleasedComment("CI builds are slow", 1, -1.0),
        ReleasedComment("ci builds ok now", 2, 1.0),
        ReleasedComment("lunch", 3, -1.0),
    ]
    assert theme_mentions(comments, TERMS, "x", 2) == (2, 0.0)
    assert theme_mentions(comments, TERMS, "x", 3) == (0, None)  # two authors < 3
    assert theme_mentions([], TERMS, "x", 3) == (0, None)
