"""How the outbox treats Slack: pace, backoff, which errors are final, which are not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

FailureKind = Literal["rate_limited", "permanent", "transient"]

POST_MESSAGE = "chat.postMessage"
UPDATE_MESSAGE = "chat.update"
ALLOWED_METHODS = frozenset({POST_MESSAGE, UPDATE_MESSAGE})
CHECK_METHODS = ("conversations.open", "conversations.history", "conversations.replies")
METADATA_EVENT_TYPE = "pulseboard_outbox"

# How far before an unfinished attempt to look for its message: this host's clock and
# Slack's may disagree a little.
LOOKBACK = timedelta(seconds=60)
HISTORY_PAGE_SIZE = 100
HISTORY_MAX_PAGES = 10
DEFAULT_RETRY_AFTER = 1.0
ERROR_TEXT_LIMIT = 300

# Errors the same call would meet again: retrying cannot help, so the message fails.
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "as_user_not_supported",
        "cannot_dm_bot",
        "cant_update_message",
        "channel_not_found",
        "edit_window_closed",
        "invalid_arguments",
        "invalid_attachments",
        "invalid_auth",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "is_archived",
        "message_not_found",
        "messages_tab_disabled",
        "metadata_too_large",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "no_text",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "restricted_action_non_threadable_channel",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "team_access_not_granted",
        "token_revoked",
        "too_many_attachments",
        "user_not_found",
    }
)


@dataclass(frozen=True)
class Pace:
    """Seconds between two posts by this sender: any two, and two to one channel.

    Slack allows chat.postMessage about one message per second per channel, with short
    bursts; the global pace keeps a burst of DMs within the method's workspace limit.
    """

    global_interval: float = 1.0
    channel_interval: float = 1.0


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff for transient failures (5xx, timeouts, lost connections).

    With the defaults and 8 attempts, a message keeps trying for 10 to 20 minutes: long
    enough for a blip at Slack, short enough that a DM is not news from another day.
    """

    base: float = 10.0
    cap: float = 900.0

    def delay(self, attempt: int, jitter: float) -> float:
        """Seconds before attempt ``attempt + 1``: half the step fixed, half random.

        The random half spreads out messages that failed together (a Slack outage); the
        fixed half keeps a retry from coming back at once.
        """
        step = min(self.cap, self.base * 2 ** max(attempt - 1, 0))
        return step / 2 + jitter * step / 2


class SlackCallFailedError(Exception):
    """A Web API call that did not succeed, sorted by what to do about it."""

    def __init__(
        self, method: str, kind: FailureKind, error: str, retry_after: float = 0.0
    ) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.kind = kind
        self.error = error[:ERROR_TEXT_LIMIT]
        self.retry_after = retry_after


class Pacer:
    """When the next post may go, overall and per channel (clock times)."""

    MAX_TRACKED_CHANNELS = 1024

    def __init__(self, pace: Pace) -> None:
        self._pace = pace
        self._last_post: datetime | None = None
        self._last_by_channel: dict[str, datetime] = {}

    def wait(self, channel: str, now: datetime) -> float:
        waits = [0.0]
        if self._last_post is not None:
            elapsed = (now - self._last_post).total_seconds()
            waits.append(self._pace.global_interval - elapsed)
        last = self._last_by_channel.get(channel)
        if last is not None:
            waits.append(self._pace.channel_interval - (now - last).total_seconds())
        return max(waits)

    def record(self, channel: str, now: datetime) -> None:
        self._last_post = now
        self._last_by_channel[channel] = now
        if len(self._last_by_channel) > self.MAX_TRACKED_CHANNELS:
            horizon = now - timedelta(seconds=self._pace.channel_interval)
            self._last_by_channel = {c: t for c, t in self._last_by_channel.items() if t > horizon}


def client_without_retries(client: WebClient) -> WebClient:
    """The same Web API endpoint and token, with no retry handlers at all.

    The app's client retries 429s and 5xx by itself, which would hide the Retry-After this
    sender must honour; and slack_sdk's default handler repeats a request whose connection
    failed, which for a post whose answer was lost means a second copy. The sender decides
    about every retry itself.
    """
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers or {}),
        retry_handlers=[],
    )


def retry_after_seconds(headers: dict[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER


def classify_error(method: str, e: SlackApiError) -> SlackCallFailedError:
    status = e.response.status_code
    error = str(e.response.get("error") or f"http_{status}")
    if status == 429 or error == "ratelimited":
        retry_after = retry_after_seconds(dict(e.response.headers or {}))
        return SlackCallFailedError(method, "rate_limited", "ratelimited", retry_after)
    if status >= 500:
        return SlackCallFailedError(method, "transient", f"http_{status}: {error}")
    if error in PERMANENT_ERRORS:
        return SlackCallFailedError(method, "permanent", error)
    # Unknown errors are retried, within max_attempts.
    return SlackCallFailedError(method, "transient", error)
