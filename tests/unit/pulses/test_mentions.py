"""Which pulse comments count towards a theme's satisfaction signal (docs/scoring.md)."""

from __future__ import annotations

from bot.services.pulse_mentions import mentions, theme_mentions

TERMS = ("build cache", "ci", "builds", "remote")


def test_a_two_word_term_or_two_single_terms_make_a_mention() -> None:
    assert mentions("Please add a build cache, I wait all day", TERMS, "Remote build cache")
    assert mentions("CI builds are slow", TERMS, "x")
    assert not mentions("CI is fine", TERMS, "x")  # one single term is not enough
    assert not mentions("the cafeteria food", TERMS, "x")


def test_without_terms_the_label_is_used() -> None:
    assert mentions("rollback of a deploy is painful", (), "One-click deploy rollback")


def test_mood_comes_from_the_authors_own_score() -> None:
    comments = [("CI builds are slow", 1), ("ci builds ok now", 5), ("lunch", 1)]
    # two mentions; moods (1−3)/2 = −1 and (5−3)/2 = +1 → average 0
    assert theme_mentions(comments, TERMS, "x") == (2, 0.0)
    assert theme_mentions([], TERMS, "x") == (0, None)
