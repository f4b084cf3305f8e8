"""Pulse results as people may see them: the latest round, its trend, and the history.

Anonymity (bot/services/pulses/anonymity.py) is applied here and in
bot/services/pulses/stats.py: a round still open shows only how many answered; a closed
one shows the figures the group rules allow. This module only reads rows and hands plain
answers (group, score, eNPS; never who) on. Comments are shown without names, in
alphabetical order (not in the order they came in), and only when the whole round has
enough answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.pulses.anonymity import released
from bot.services.pulses.mentions import mood
from bot.services.pulses.stats import Answer, round_figures
from bot.services.pulses.views import PulseResults, RoundFigures, RoundResult, TrendPoint
from storage.models import PulseRound
from storage.unit_of_work import UnitOfWork

COMMENTS_SHOWN = 8
HISTORY_ROUNDS = 12


def round_result(uow: UnitOfWork, pulse_round: PulseRound, k: int, now: datetime) -> RoundResult:
    """The round as it may be shown now: while it is open, only how many answered."""
    pulses = uow.pulses
    asked = pulses.asked_by_domain(pulse_round.id)
    is_open = not released(pulse_round.closed_at, pulse_round.closes_at, now)
    if is_open:
        figures = RoundFigures(
            None, {}, 0, sum(asked.values()), pulses.answered_count(pulse_round.id)
        )
    else:
        answers = [Answer(r.domain, r.score, r.enps) for r in pulses.answer_rows(pulse_round.id)]
        figures = round_figures(answers, asked, k)
    return RoundResult(
        pulse_round.id,
        pulse_round.question,
        pulse_round.started_at,
        pulse_round.closes_at,
        is_open,
        figures,
    )


def visible_comments(uow: UnitOfWork, result: RoundResult) -> tuple[str, ...]:
    if result.figures.whole is None:
        return ()
    rows = uow.pulses.answer_rows(result.round_id)
    comments = sorted(r.comment.strip() for r in rows if r.comment and r.comment.strip())
    return tuple(comments[:COMMENTS_SHOWN])


def trend_point(result: RoundResult) -> TrendPoint:
    asked = result.figures.asked
    return TrendPoint(
        label=f"{result.started_at:%d %b}",
        satisfaction=result.figures.average(),
        participation=result.figures.answered / asked if asked else None,
    )


def pulse_results(uow: UnitOfWork, k: int, now: datetime) -> PulseResults | None:
    """The latest round that has started, with the one before it; None before any round."""
    rounds = [r for r in uow.pulses.rounds() if r.started_at <= now]
    if not rounds:
        return None
    recent = [round_result(uow, r, k, now) for r in rounds[-HISTORY_ROUNDS:]]
    current = recent[-1]
    return PulseResults(
        current=current,
        previous=recent[-2] if len(recent) > 1 else None,
        comments=visible_comments(uow, current),
        history=tuple(trend_point(r) for r in recent),
        threshold=k,
    )


@dataclass(frozen=True)
class ReleasedComment:
    """A comment of a released round, for theme scores: text, opaque author, round mood."""

    text: str
    person: int
    round_mood: float


def released_comments(
    uow: UnitOfWork, since: datetime, k: int, now: datetime
) -> list[ReleasedComment]:
    """Comments of rounds started since ``since`` whose results are out and shown.

    Each carries its round's published mood (from the round's average), never its
    author's own score; see bot/services/pulses/anonymity.py.
    """
    pulses = uow.pulses
    moods: dict[int, float] = {}
    for pulse_round in pulses.rounds():
        if pulse_round.started_at < since or pulse_round.started_at > now:
            continue
        average = round_result(uow, pulse_round, k, now).figures.average()
        if average is not None:
            moods[pulse_round.id] = mood(average)
    return [
        ReleasedComment(text, person, moods[round_id])
        for round_id, person, text in pulses.comments_of_rounds(set(moods))
    ]
