"""Every pulse and follow-up payload passes slack_sdk's Block Kit validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.services.followup_views import FollowupView
from bot.services.pulses.stats import Answer, round_figures
from bot.services.pulses.views import AnswerView, PulseResults, RoundResult, TrendPoint
from bot.slack.blocks import followup, pulse

CLOSES = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def valid(blocks: list[dict[str, Any]]) -> str:
    for block in blocks:
        Block.parse(block).validate_json()
    return str(blocks)


def test_dm_and_reminder() -> None:
    text = valid(pulse.pulse_dm_blocks(7, "How well does <!channel> help?", 5))
    assert "&lt;!channel&gt;" in text
    assert "reminder" in valid(pulse.pulse_dm_blocks(7, "Q?", 5, reminder=True))


def test_thank_you_shows_what_was_recorded() -> None:
    answer = AnswerView(7, "Q?", 4, 9, "builds are <slow>", None, CLOSES)
    text = valid(pulse.thank_you_blocks(answer))
    assert "*4/5*" in text
    assert "*9/10*" in text
    assert "&lt;slow&gt;" in text
    assert pulse.LOG_REQUEST_ACTION in text
    logged = AnswerView(7, "Q?", 4, None, "x", 12, CLOSES)
    assert "request *12*" in valid(pulse.thank_you_blocks(logged))


def test_closed_and_modal() -> None:
    valid(pulse.closed_blocks())
    View(**pulse.comment_modal(7, "old", "D1", "1.2")).validate_json()
    View(**followup.followup_comment_modal(3, None, "D1", "1.2")).validate_json()


def test_results_with_and_without_enough_answers() -> None:
    answers = [Answer("platform", 4, 9)] * 6 + [Answer("data", 2, 3)] * 6
    figures = round_figures(answers, {"platform": 8, "data": 12}, 5)
    current = RoundResult(2, "Q?", CLOSES, CLOSES, False, figures)
    few = RoundResult(1, "Q?", CLOSES, CLOSES, False, round_figures(answers[:3], {None: 9}, 5))
    results = PulseResults(current, few, ("great", "slow <@U1>"), (TrendPoint("x", 3, 0.5),), 5)
    text = valid(pulse.results_blocks(results))
    assert "By domain" in text
    assert "&lt;@U1&gt;" in text
    valid(pulse.results_blocks(results, compact=True))
    hidden = valid(pulse.results_blocks(PulseResults(few, None, (), (), 5)))
    assert "3 of 9 answered" in hidden
    valid(pulse.results_blocks(None))


def test_followup_blocks() -> None:
    assert "*#12 Remote build cache*" in valid(
        followup.followup_dm_blocks(3, 12, "Remote build cache")
    )
    assert "#12 Remote build cache" in followup.followup_dm_text(12, "Remote build cache")
    view = FollowupView(3, 1, "Remote build cache", "no", "still slow", 44)
    assert "request *44*" in valid(followup.followup_thanks_blocks(view))
