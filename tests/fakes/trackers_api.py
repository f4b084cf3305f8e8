"""A local fake of GitHub's REST API, Jira's REST API and Linear's GraphQL API, served over
HTTP on loopback, for the tracker sync (bot/runtime/trackers).

Each API lives under its own prefix of one server: ``{url}/github`` (the REST API root, as
PULSEBOARD_GITHUB_API_URL), ``{url}/jira`` (the site, as PULSEBOARD_JIRA_URL) and
``{url}/linear/graphql`` (PULSEBOARD_LINEAR_API_URL). Items are scripted, answers have the
shapes the trackers document, a wrong ``Authorization`` gets 401, and every request is
recorded so tests assert what was sent::

    with FakeTrackersAPI(github_token="ghp-test") as trackers:
        trackers.github_issue("acme/ci#12", "closed", state_reason="completed")
        trackers.limit("github", times=1, reset_in=600)
        ...
        assert trackers.requests("github")[0].headers["authorization"] == "Bearer ghp-test"
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.fakes.loopback import LoopbackServer, QuietHandler


@dataclass(frozen=True)
class TrackerRequest:
    tracker: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _Limit:
    times: int
    retry_after: int | None
    reset_in: int | None


@dataclass
class _State:
    github: dict[str, dict[str, Any]] = field(default_factory=dict)
    jira: dict[str, dict[str, Any]] = field(default_factory=dict)
    linear: dict[str, str] = field(default_factory=dict)
    limits: dict[str, _Limit] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    log: list[TrackerRequest] = field(default_factory=list)


class FakeTrackersAPI:
    """The three trackers' APIs on ``127.0.0.1`` (random port), in a daemon thread."""

    def __init__(
        self,
        *,
        github_token: str = "ghp-test-token",
        jira_token: str = "jira-test-token",
        jira_email: str | None = "pm@example.com",
        linear_token: str = "lin_api_test_token",
    ) -> None:
        self.expected_auth = {
            "github": f"Bearer {github_token}",
            "jira": (
                "Basic " + base64.b64encode(f"{jira_email}:{jira_token}".encode()).decode()
                if jira_email
                else f"Bearer {jira_token}"
            ),
            "linear": linear_token,
        }
        self.state = _State()
        self.lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> FakeTrackersAPI:
        self._server = _Server(self)
        self._thread = self._server.start("fake-trackers-api")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTrackersAPI is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def github_api(self) -> str:
        return f"{self.url}/github"

    @property
    def jira_site(self) -> str:
        return f"{self.url}/jira"

    @property
    def linear_api(self) -> str:
        return f"{self.url}/linear/graphql"

    # --- scripting -------------------------------------------------------------------

    def github_issue(
        self, item: str, state: str, *, state_reason: str | None = None, assignees: int = 0
    ) -> None:
        number = int(item.rpartition("#")[2])
        with self.lock:
            self.state.github[item] = {
                "number": number,
                "state": state,
                "state_reason": state_reason,
                "assignees": [{"login": f"dev{n}"} for n in range(assignees)],
                "title": f"Issue {number}",
            }

    def github_pull(self, item: str, state: str, *, merged: bool = False) -> None:
        number = int(item.rpartition("#")[2])
        with self.lock:
            self.state.github[item] = {
                "number": number,
                "state": state,
                "merged": merged,
                "assignees": [],
                "pull_request": {"url": f"{self.github_api}/pulls/{number}"},
            }

    def jira_issue(self, key: str, category: str, *, resolution: str | None = None) -> None:
        names = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
        with self.lock:
            self.state.jira[key] = {
                "key": key,
                "fields": {
                    "status": {
                        "name": names.get(category, category),
                        "statusCategory": {"key": category, "name": names.get(category)},
                    },
                    "resolution": {"name": resolution} if resolution else None,
                },
            }

    def linear_issue(self, key: str, state_type: str) -> None:
        with self.lock:
            self.state.linear[key] = state_type

    def limit(
        self,
        tracker: str,
        *,
        times: int = 1,
        retry_after: int | None = None,
        reset_in: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls to ``tracker`` with its rate-limit answer:
        ``retry_after`` seconds (a Retry-After header), or a reset ``reset_in`` seconds from
        now (GitHub: 403 with x-ratelimit-remaining 0 and x-ratelimit-reset in epoch
        seconds; Linear: 400 RATELIMITED with X-RateLimit-Requests-Reset in epoch ms)."""
        with self.lock:
            self.state.limits[tracker] = _Limit(times, retry_after, reset_in)

    def break_down(self, tracker: str) -> None:
        """Answer every call to ``tracker`` with 500 from now on."""
        with self.lock:
            self.state.broken.add(tracker)

    # --- assertions ------------------------------------------------------------------

    def requests(self, tracker: str | None = None) -> list[TrackerRequest]:
        with self.lock:
            return [r for r in self.state.log if tracker is None or r.tracker == tracker]

    # --- serving ---------------------------------------------------------------------

    def serve(self, request: TrackerRequest) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.state.log.append(request)
            if request.tracker in self.state.broken:
                return 500, {}, {"message": "Server Error"}
            if request.headers.get("authorization") != self.expected_auth[request.tracker]:
                return 401, {}, _unauthorized(request.tracker)
            limit = self.state.limits.get(request.tracker)
            if limit is not None and limit.times > 0:
                limit.times -= 1
                return _limited(request.tracker, limit)
            if request.tracker == "github":
                return self._github(request.path)
            if request.tracker == "jira":
                return self._jira(request.path)
            return self._linear(request.body)

    def _github(self, path: str) -> tuple[int, dict[str, str], Any]:
        parts = path.split("/")  # /repos/{owner}/{repo}/{issues|pulls}/{n}
        if len(parts) != 6 or parts[1] != "repos" or parts[4] not in ("issues", "pulls"):
            return 404, {}, {"message": "Not Found"}
        found = self.state.github.get(f"{parts[2]}/{parts[3]}#{parts[5]}")
        if found is None or (parts[4] == "pulls" and "pull_request" not in found):
            return 404, {}, {"message": "Not Found"}
        answer = dict(found)
        if parts[4] == "issues":
            answer.pop("merged", None)  # the issue of a pull request says nothing of merging
        else:
            answer.pop("pull_request", None)
        return 200, {"x-ratelimit-remaining": "4999"}, answer

    def _jira(self, path: str) -> tuple[int, dict[str, str], Any]:
        prefix = "/rest/api/2/issue/"
        found = self.state.jira.get(path.removeprefix(prefix)) if path.startswith(prefix) else None
        if found is None:
            return (
                404,
                {},
                {"errorMessages": ["Issue does not exist or you do not have permission"]},
            )
        return 200, {}, found

    def _linear(self, body: bytes) -> tuple[int, dict[str, str], Any]:
        request = json.loads(body)
        key = request.get("variables", {}).get("id")
        state_type = self.state.linear.get(key)
        if "issue(id: $id)" not in request.get("query", "") or state_type is None:
            error = {"message": "Entity not found: Issue", "extensions": {"code": "INVALID_INPUT"}}
            return 200, {}, {"data": None, "errors": [error]}
        return 200, {}, {"data": {"issue": {"identifier": key, "state": {"type": state_type}}}}


def _unauthorized(tracker: str) -> Any:
    if tracker == "linear":
        return {
            "errors": [
                {
                    "message": "Authentication required",
                    "extensions": {"code": "AUTHENTICATION_ERROR"},
                }
            ]
        }
    return {"message": "Bad credentials"}


def _limited(tracker: str, limit: _Limit) -> tuple[int, dict[str, str], Any]:
    headers: dict[str, str] = {}
    if limit.retry_after is not None:
        headers["Retry-After"] = str(limit.retry_after)
    reset = time.time() + (limit.reset_in or 0)
    if tracker == "github":
        if limit.reset_in is not None:
            headers |= {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(reset))}
        status = 403 if limit.reset_in is not None else 429
        return status, headers, {"message": "API rate limit exceeded"}
    if tracker == "linear":
        if limit.reset_in is not None:
            headers["X-RateLimit-Requests-Reset"] = str(int(reset * 1000))
        error = {"message": "Rate limit exceeded", "extensions": {"code": "RATELIMITED"}}
        return 400, headers, {"errors": [error]}
    return 429, headers, {"errorMessages": ["Rate limit exceeded"]}


class _Server(LoopbackServer):
    def __init__(self, fake: FakeTrackersAPI) -> None:
        super().__init__(_Handler)
        self.fake = fake


class _Handler(QuietHandler):
    server: _Server

    def respond(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        tracker, _, rest = url.path.lstrip("/").partition("/")
        headers = {k.lower(): v for k, v in self.headers.items()}
        if tracker not in ("github", "jira", "linear"):
            status, extra, answer = 404, {}, {"message": "Not Found"}
        else:
            request = TrackerRequest(
                tracker, self.command, unquote("/" + rest), url.query, headers, body
            )
            status, extra, answer = self.server.fake.serve(request)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
