"""One HTTP exchange with a tracker's API (stdlib ``urllib``), and the answers every
tracker shares: a token refused, an item unknown, a rate limit and when it lifts.

No new dependency: a poll is a handful of sequential GETs and POSTs, which ``urllib``
does with a timeout; what a client library would add (retries, sessions) is what the
sync must not do blindly. Messages name the tracker and the status, never the token or
the answer's body. A redirect is followed only on the same origin, so the token is never
sent to another host.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from bot import __version__
from bot.services.roadmap.sync import (
    ItemNotFoundError,
    RateLimitedError,
    TokenRefusedError,
    TrackerReadError,
)

TIMEOUT_SECONDS = 10.0
MAX_BODY = 1_000_000
USER_AGENT = f"pulseboard/{__version__}"
#: How long to leave a tracker alone when it says "too many" without saying how long
#: (GitHub's advice for its secondary limits: at least a minute).
DEFAULT_BACKOFF = timedelta(minutes=1)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self, tracker: str) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise TrackerReadError(f"{tracker} answered {self.status} with no JSON") from None


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if (old.scheme, old.netloc) != (new.scheme, new.netloc):
            return None  # urllib then raises HTTPError with the 3xx: reported, not followed
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_SameOriginRedirects())


def exchange(
    tracker: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> Answer:
    """The tracker's answer, whatever its status; TrackerReadError if none came."""
    request = urllib.request.Request(
        url,
        data=body,
        headers={"User-Agent": USER_AGENT, **headers},
        method="POST" if body is not None else "GET",
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Answer(response.status, _lower(response.headers), response.read(MAX_BODY))
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, _lower(error.headers), error.read(MAX_BODY))
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise TrackerReadError(f"{tracker} did not answer ({reason})") from None


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers.items() if headers else [])}


def retry_after(answer: Answer, now: datetime) -> datetime | None:
    """``Retry-After`` (seconds, or an HTTP date) as a moment; None without one."""
    value = (answer.header("retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch(value: str | None, *, millis: bool = False) -> datetime | None:
    """A reset header's epoch (seconds, or milliseconds) as a moment."""
    if not value or not value.strip().isdigit():
        return None
    seconds = int(value.strip()) / (1000 if millis else 1)
    return datetime.fromtimestamp(seconds, UTC)


def rate_limited(tracker: str, until: datetime | None, now: datetime) -> RateLimitedError:
    return RateLimitedError(f"{tracker} rate-limited", until or now + DEFAULT_BACKOFF)


def refused(tracker: str, status: int, setting: str) -> TokenRefusedError:
    return TokenRefusedError(
        f"{tracker} refused the token ({status}): check {setting} and its read access"
    )


def not_found(status: int) -> ItemNotFoundError:
    return ItemNotFoundError(f"not found ({status}): removed, moved, or not visible to the token")


def unexpected(tracker: str, status: int) -> TrackerReadError:
    return TrackerReadError(f"{tracker} answered {status}")


def raise_for_status(
    tracker: str, answer: Answer, token_setting: str, missing: tuple[int, ...] = (404,)
) -> None:
    """After the tracker's own rate-limit checks: its token refused (401, 403), the item
    unknown (``missing``), or any status but 200."""
    if answer.status in (401, 403):
        raise refused(tracker, answer.status, token_setting)
    if answer.status in missing:
        raise not_found(answer.status)
    if answer.status != 200:
        raise unexpected(tracker, answer.status)
