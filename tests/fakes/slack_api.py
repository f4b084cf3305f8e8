"""A local fake of Slack's Web API, served over HTTP on loopback.

Point a real ``slack_sdk.WebClient`` (or the app's ``SLACK_API_URL``) at :attr:`FakeSlackAPI.url`
and the client's whole stack runs: request encoding, auth header, JSON parsing,
``SlackApiError`` on ``ok: false``, 429 handling with ``Retry-After``. Every call is
recorded so tests assert on what the app sent, and failures can be scripted per method::

    with FakeSlackAPI() as slack:
        client = WebClient(base_url=slack.url, token="xoxb-test")
        slack.fail_next("chat.postMessage", status=429, retry_after=1)
        ...
        call = slack.wait_for("chat.postMessage")[0]

Besides ``/api/<method>`` the server answers ``POST /response/<name>`` (the
``response_url`` of slash commands and actions, recorded as method ``response_url``) and
``POST /upload/v1/<file_id>`` (the upload URL of ``files.getUploadURLExternal``,
recorded as method ``file_upload``).
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.loopback import LoopbackServer, QuietHandler
from tests.fakes.slack_calls import CallLog, FailureScript, ScriptedFailure, SlackCall
from tests.fakes.slack_methods import answer
from tests.fakes.slack_workspace import FakeWorkspace, WorkspaceIdentity

RESPONSE_URL_METHOD = "response_url"
FILE_UPLOAD_METHOD = "file_upload"


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(
        cls, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> _Reply:
        return cls(status, json.dumps(body).encode(), headers=headers or {})

    @classmethod
    def of_text(cls, status: int, body: str) -> _Reply:
        return cls(status, body.encode(), "text/plain; charset=utf-8")


class RateLimit:
    """A token bucket: ``burst`` calls at once, refilled at ``per_second``."""

    def __init__(self, per_second: float, burst: int, retry_after: int) -> None:
        self.per_second = per_second
        self.burst = burst
        self.retry_after = retry_after
        self.refused = 0
        self._tokens = float(burst)
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_second)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            self.refused += 1
            return False


class FakeSlackAPI:
    """Slack's Web API on ``127.0.0.1`` (random port), in a daemon thread."""

    def __init__(
        self, *, identity: WorkspaceIdentity | None = None, page_size_cap: int = 200
    ) -> None:
        self.workspace = FakeWorkspace(
            identity=identity or WorkspaceIdentity(), page_size_cap=page_size_cap
        )
        self._log = CallLog()
        self._script = FailureScript()
        self._limits: dict[str, RateLimit] = {}
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeSlackAPI:
        if self._server is not None:
            raise RuntimeError("FakeSlackAPI already started")
        self._stopping.clear()
        self._server = _Server(self)
        host, port = self._server.server_address[:2]
        self.workspace.server_url = f"http://{host}:{port}/"
        self._thread = self._server.start("fake-slack-api")
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes calls sleeping on a scripted delay
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeSlackAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses -------------------------------------------------------------------

    @property
    def server_url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        if not self.workspace.server_url:
            raise RuntimeError("FakeSlackAPI is not started")
        return self.workspace.server_url

    @property
    def url(self) -> str:
        """The Web API base URL, for ``WebClient(base_url=...)`` and ``SLACK_API_URL``."""
        return f"{self.server_url}api/"

    def response_url(self, name: str = "default") -> str:
        """A response URL served by this fake; posts to it are recorded as ``response_url``."""
        return f"{self.server_url}response/{name}"

    # --- scripting and workspace state -----------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` (``*``: any) with a failure.

        ``status=429`` (``Retry-After: retry_after``, default 1) or any HTTP status;
        ``error="channel_not_found"`` answers ``ok: false`` with HTTP 200; ``delay`` sleeps
        that many seconds before answering (normally, when no status or error is given).
        """
        failure = ScriptedFailure(status, error, retry_after, delay, times)
        self._script.add(method, failure)

    def rate_limit(
        self, method: str, per_second: float, *, burst: int = 1, retry_after: int = 1
    ) -> RateLimit:
        """Answer ``method`` with 429 (``Retry-After``) beyond ``per_second`` calls a second.

        A token bucket of ``burst`` calls refilled at ``per_second``, like Slack's limits:
        short bursts pass, a sustained excess is turned away. Returns the limiter, which
        counts the calls it refused.
        """
        limit = RateLimit(per_second, burst, retry_after)
        self._limits[method] = limit
        return limit

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/Los_Angeles",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        email: str | None = None,
    ) -> dict[str, Any]:
        """Make ``users.info``/``users.list`` know this user; returns the user object."""
        return self.workspace.add_user(
            user_id,
            name=name,
            real_name=real_name,
            tz=tz,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
            email=email,
        )

    def set_channel_members(self, channel_id: str, user_ids: list[str]) -> None:
        """What ``conversations.members`` answers for the channel (else channel_not_found)."""
        with self.workspace.lock:
            self.workspace.channel_members[channel_id] = list(user_ids)

    def set_usergroup_members(self, group_id: str, user_ids: list[str]) -> None:
        """What ``usergroups.users.list`` answers for the group (else no_such_subteam)."""
        with self.workspace.lock:
            self.workspace.usergroup_members[group_id] = list(user_ids)

    def dm_channel(self, user_id: str) -> str:
        """The DM channel ID ``conversations.open`` returns for this user."""
        return self.workspace.dm_channel_id(user_id)

    def view(self, view_id: str) -> dict[str, Any] | None:
        """The latest version of a view opened, pushed, updated or published."""
        with self.workspace.lock:
            return self.workspace.views.get(view_id)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab last published for the user."""
        with self.workspace.lock:
            view_id = self.workspace.home_views.get(user_id)
            return self.workspace.views.get(view_id) if view_id else None

    def uploaded_bytes(self, file_id: str) -> bytes | None:
        """The bytes sent to the upload URL of a file, if any were."""
        with self.workspace.lock:
            uploaded = self.workspace.files.get(file_id)
            return uploaded.data if uploaded else None

    # --- assertions ------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[SlackCall]:
        """Calls received so far (to one method, or all), oldest first."""
        return self._log.calls(method)

    def last(self, method: str) -> SlackCall:
        calls = self._log.calls(method)
        if not calls:
            seen = [c.method for c in self._log.calls()]
            raise AssertionError(f"no call to {method}; calls received: {seen}")
        return calls[-1]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[SlackCall], bool] | None = None,
    ) -> list[SlackCall]:
        """Block until ``count`` calls to ``method`` (matching ``where``) have arrived.

        Calls count when they arrive, before a scripted delay or failure is applied.
        Raises AssertionError, listing the calls seen, on timeout.
        """
        return self._log.wait_for(method, count, timeout, where)

    def responses(self, name: str = "default") -> list[SlackCall]:
        """Posts received at :meth:`response_url` ``(name)``."""
        path = urlsplit(self.response_url(name)).path
        return [c for c in self._log.calls(RESPONSE_URL_METHOD) if c.path == path]

    def reset(self) -> None:
        """Forget recorded calls and pending scripted failures (users, views stay)."""
        self._log.clear()
        self._script.clear()

    # --- serving (called on the server's threads) ------------------------------------

    def _serve(self, call: SlackCall, raw_body: bytes) -> _Reply:
        self._log.append(call)
        failure = self._script.take(call.method)
        if failure is not None:
            if failure.delay > 0 and self._stopping.wait(failure.delay):
                return _Reply.of_text(503, "fake Slack API stopping")
            if not failure.answers_normally:
                status, body, headers = failure.response()
                return _Reply.of_json(status, body, headers)
        limit = self._limits.get(call.method)
        if limit is not None and not limit.take():
            headers = {"Retry-After": str(limit.retry_after)}
            return _Reply.of_json(429, {"ok": False, "error": "ratelimited"}, headers)
        if call.method == RESPONSE_URL_METHOD:
            return _Reply.of_json(200, {"ok": True})
        if call.method == FILE_UPLOAD_METHOD:
            return self._store_upload(str(call.params["file_id"]), raw_body)
        if call.token is None:
            return _Reply.of_json(200, {"ok": False, "error": "not_authed"})
        return _Reply.of_json(200, answer(self.workspace, call.method, call.params))

    def _store_upload(self, file_id: str, data: bytes) -> _Reply:
        with self.workspace.lock:
            uploaded = self.workspace.files.get(file_id)
            if uploaded is None:
                return _Reply.of_text(404, "file_not_found")
            uploaded.data = data
        return _Reply.of_text(200, f"OK - {len(data)}")


class _Server(LoopbackServer):
    def __init__(self, fake: FakeSlackAPI) -> None:
        super().__init__(_RequestHandler)
        self.fake = fake


class _RequestHandler(QuietHandler):
    server: _Server

    def _reply(self, path: str, query: str, raw_body: bytes, headers: dict[str, str]) -> _Reply:
        method, params = _route(path, query, raw_body, headers.get("content-type", ""))
        if method is None:
            return _Reply.of_text(404, "not found")
        call = SlackCall(method, params, headers, time.time(), path)
        return self.server.fake._serve(call, raw_body)

    def respond(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            reply = self._reply(url.path, url.query, raw_body, headers)
        except Exception as e:  # a bug in the fake: say so instead of dropping the connection
            traceback.print_exc()
            reply = _Reply.of_json(
                500, {"ok": False, "error": "fake_slack_api_bug", "detail": repr(e)}
            )
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


def _route(
    path: str, query: str, body: bytes, content_type: str
) -> tuple[str | None, dict[str, Any]]:
    """Which method a request is for, and its parameters (query and body merged)."""
    prefix, _, rest = path.lstrip("/").partition("/")
    if prefix == "api" and rest:
        return rest, {**dict(parse_qsl(query)), **_parse_body(body, content_type)}
    if prefix == "response" and rest:
        return RESPONSE_URL_METHOD, _parse_body(body, content_type)
    if prefix == "upload" and rest.startswith("v1/") and len(rest) > 3:
        return FILE_UPLOAD_METHOD, {"file_id": rest[3:], "size": len(body)}
    return None, {}


def _parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """JSON or form-encoded bodies, as slack_sdk sends them (multipart is not parsed)."""
    if not body:
        return {}
    text = body.decode("utf-8", errors="replace")
    if content_type.lower().startswith("application/json"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return {"_raw": text}
        return parsed if isinstance(parsed, dict) else {"_json": parsed}
    if content_type.lower().startswith("multipart/"):
        return {"_raw": text}
    return dict(parse_qsl(text, keep_blank_values=True))
