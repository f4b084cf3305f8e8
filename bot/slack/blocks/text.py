"""Making user text safe and short enough for Slack's mrkdwn."""

from __future__ import annotations

import re
from datetime import UTC, datetime

ELLIPSIS = "…"


def escape(text: str) -> str:
    """Escape &, < and > so user text can never become a mention, a link or a ping.

    Slack reads ``<!channel>``, ``<@U123>`` and ``<http://x|y>`` as control sequences;
    escaped, they show as typed.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe(text: str, limit: int) -> str:
    """Escaped and truncated, without cutting an escape sequence in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def theme_name(theme_id: int | None, label: str, limit: int) -> str:
    """How a theme is named wherever a PM reads it: its id (what every command takes),
    then its label. Ranks are shown apart (``3.``, "Rank 3"): they change every week."""
    shown = safe(label, limit)
    return f"#{theme_id} {shown}" if theme_id is not None else shown


def status_words(status: str) -> str:
    """A theme status as people read it: "in_progress" → "in progress"."""
    return status.replace("_", " ")


def request_name(request_id: int) -> str:
    """A request's number, worded apart from a theme's ``#N`` (`/roadmap split` takes it)."""
    return f"request {request_id}"


#: Slack's date tokens: the weekday, date and time in each reader's own time zone.
DAY_AND_TIME = "{date_short_pretty} {time}"
DAY = "{date_short_pretty}"
DATE = "{date_short}"


def slack_date(moment: datetime, tokens: str = DAY_AND_TIME) -> str:
    """A moment that Slack shows in the reader's time zone; the fallback (old clients,
    notifications) names UTC."""
    fallback_format = "%a %d %b %Y %H:%M UTC" if "{time}" in tokens else "%a %d %b %Y"
    utc = moment.astimezone(UTC)
    return f"<!date^{int(utc.timestamp())}^{tokens}|{utc.strftime(fallback_format)}>"


def backers_text(backers: int) -> str:
    """The one way a theme's support is counted in words: "13 people back it"."""
    return f"{backers} {'person backs' if backers == 1 else 'people back'} it"


SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
SLACK_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,20}")


def user_mention(slack_id: str) -> str:
    """A mention of a Slack user id; anything else (an imported value) as plain text."""
    return f"<@{slack_id}>" if SLACK_USER_ID.fullmatch(slack_id) else safe(slack_id, 40)


def channel_mention(channel_id: str) -> str:
    """A link to a Slack channel id; anything else as plain text."""
    return f"<#{channel_id}>" if SLACK_CHANNEL_ID.fullmatch(channel_id) else safe(channel_id, 40)
