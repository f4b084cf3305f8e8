"""Rank scored themes and mark how each moved since the previous snapshot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scoring.models import RankedTheme, ThemeScore, Trend


def trend(position: int, previous_position: int | None) -> Trend:
    """``new`` if it was not ranked before, else up/down by the places moved, or same."""
    if previous_position is None:
        return Trend("new")
    if position < previous_position:
        return Trend("up", previous_position - position)
    if position > previous_position:
        return Trend("down", position - previous_position)
    return Trend("same")


def rank(
    scores: Sequence[ThemeScore], previous: Mapping[int, int] | None = None
) -> list[RankedTheme]:
    """Highest total first (ties: smaller theme id first); positions start at 1.

    ``previous`` maps theme id → its position in the last snapshot (the last digest).
    """
    ordered = sorted(scores, key=lambda s: (-s.total, s.theme_id))
    before = previous or {}
    return [
        RankedTheme(s.theme_id, position, s, trend(position, before.get(s.theme_id)))
        for position, s in enumerate(ordered, start=1)
    ]


def snapshot(ranking: Sequence[RankedTheme]) -> dict[int, int]:
    """Theme id → position: what to store for the next ranking's trend."""
    return {r.theme_id: r.position for r in ranking}
