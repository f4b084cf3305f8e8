"""What the fake Web API remembers: the calls it received and the failures a test scripted."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SlackCall:
    """One request received by the fake.

    ``method`` is the Web API method (``chat.postMessage``), or ``response_url`` for a post
    to a response URL, or ``file_upload`` for the bytes sent to an upload URL. ``params``
    holds the query string and body merged, values as sent (a form-encoded ``blocks`` stays
    a JSON string; use :meth:`param` to decode). Header names are lower-cased.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    path: str = ""

    def param(self, name: str, default: Any = None) -> Any:
        """A parameter, JSON-decoded when it was sent as a JSON string in a form body."""
        value = self.params.get(name, default)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    @property
    def token(self) -> str | None:
        """The token the caller used: the bearer header, else the ``token`` parameter."""
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[len("bearer ") :].strip() or None
        token = self.params.get("token")
        return token if isinstance(token, str) and token else None


class CallLog:
    """A thread-safe, append-only record of calls that tests can wait on.

    Listeners go on after their ack in threads, so a test often has to wait for a call that has
    not happened yet when the HTTP response to Slack's request comes back.
    """

    def __init__(self) -> None:
        self._calls: list[SlackCall] = []
        self._changed = threading.Condition()

    def append(self, call: SlackCall) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def calls(self, method: str | None = None) -> list[SlackCall]:
        with self._changed:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[SlackCall], bool] | None = None,
    ) -> list[SlackCall]:
        """Block until ``count`` matching calls were received; return them (all of them)."""

        def matching() -> list[SlackCall]:
            return [c for c in self._calls if c.method == method and (where is None or where(c))]

        with self._changed:
            done = self._changed.wait_for(lambda: len(matching()) >= count, timeout=timeout)
            found = matching()
            if not done:
                seen = [c.method for c in self._calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s, "
                    f"got {len(found)}; calls received: {seen}"
                )
            return found

    def clear(self) -> None:
        with self._changed:
            self._calls.clear()


@dataclass
class ScriptedFailure:
    """How the fake answers the next call(s) to a method instead of answering normally.

    ``status`` other than 200 sends that HTTP status (429 adds ``Retry-After``); ``error``
    with status 200 sends ``{"ok": false, "error": ...}``; ``delay`` sleeps first, and with
    neither status nor error the normal answer follows the delay.
    """

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1

    def __post_init__(self) -> None:
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.status == 200 and self.error is None and self.delay <= 0:
            raise ValueError("script a status, an error or a delay")
        if self.status == 429 and self.retry_after is None:
            self.retry_after = 1

    @property
    def answers_normally(self) -> bool:
        return self.status == 200 and self.error is None

    def response(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        """HTTP status, JSON body and extra headers of the scripted answer."""
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        error = self.error or _DEFAULT_ERRORS.get(self.status, "fatal_error")
        return self.status, {"ok": False, "error": error}, headers


_DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass
class FailureScript:
    """Scripted failures per method, consumed first in, first out. ``*`` matches any method."""

    _pending: dict[str, list[ScriptedFailure]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, failure: ScriptedFailure) -> None:
        with self._lock:
            self._pending.setdefault(method, []).append(failure)

    def take(self, method: str) -> ScriptedFailure | None:
        """The failure to apply to this call, if any, counting it as used."""
        with self._lock:
            for key in (method, "*"):
                queue = self._pending.get(key)
                if queue:
                    failure = queue[0]
                    failure.times -= 1
                    if failure.times == 0:
                        queue.pop(0)
                    return failure
            return None

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
