"""Times in messages are Slack date tokens, so each reader sees their own time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.services.pulses.views import AnswerView
from bot.slack.blocks.pulse import thank_you_blocks
from bot.slack.blocks.text import DAY, slack_date

CLOSES = datetime(2026, 12, 8, 20, 51, tzinfo=UTC)


def test_a_moment_is_a_date_token_with_a_utc_fallback() -> None:
    assert slack_date(CLOSES) == (
        "<!date^1796763060^{date_short_pretty} {time}|Tue 08 Dec 2026 20:51 UTC>"
    )
    berlin = CLOSES.astimezone(ZoneInfo("Europe/Berlin"))
    assert slack_date(berlin) == slack_date(CLOSES)
    assert slack_date(CLOSES, DAY) == "<!date^1796763060^{date_short_pretty}|Tue 08 Dec 2026>"


def test_the_pulse_thank_you_shows_the_deadline_in_the_readers_zone() -> None:
    answer = AnswerView(
        round_id=3,
        question="How satisfied are you with the platform?",
        score=4,
        enps=None,
        comment=None,
        request_id=None,
        closes_at=CLOSES,
    )
    blocks = thank_you_blocks(answer)
    for block in blocks:
        Block.parse(block).validate_json()
    text = str(blocks)
    assert "until <!date^1796763060^{date_short_pretty} {time}|Tue 08 Dec 2026 20:51 UTC>" in text
    assert "20:51} UTC" not in text


def test_the_digest_period_is_shown_in_the_readers_zone() -> None:
    from bot.services.digest_views import DigestView
    from bot.slack.blocks.digest import digest_blocks
    from tests.fixtures.digest_views import kpis_with_shipped

    since = datetime(2026, 11, 30, 8, tzinfo=UTC)
    view = DigestView(
        title="Platform roadmap",
        period_label="30 Nov – 07 Dec 2026",
        entries=(),
        total_themes=0,
        shipped=(),
        planned=(),
        kpis=kpis_with_shipped(0),
        generated_at=CLOSES,
        since=since,
    )
    blocks = digest_blocks(view)
    for block in blocks:
        Block.parse(block).validate_json()
    shown = str(blocks)
    assert f"<!date^{int(since.timestamp())}^{{date_short_pretty}}|Mon 30 Nov 2026>" in shown
    assert "{date_short}|Tue 08 Dec 2026>" in shown
