"""One log line and one latency sample per HTTP request.

The WSGI wrapper times the request and owns the log line; a bolt middleware, which runs
in the same thread once the signature is verified, names what Slack sent (command,
action, view, event) and Slack's id for it. Neither reads nor logs user text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.runtime.metrics import REQUEST_SECONDS
from bot.runtime.web.read_deadline import RequestReadTimeoutError
from bot.services.pulses.anonymity import loggable_action

logger = logging.getLogger("pulseboard.http")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass
class RequestRecord:
    kind: str = "http"
    target: str = ""
    slack_request_id: str = ""
    team: str = ""
    retry: str = ""


_current: ContextVar[RequestRecord | None] = ContextVar("pulseboard_request", default=None)


def observed(inner: WSGIApp) -> WSGIApp:
    """Wrap ``inner`` so every request is timed, counted and logged once."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        record = RequestRecord()
        token = _current.set(record)
        started = time.monotonic()
        status = ["500"]

        def start(status_line: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status[0] = status_line.split(" ", 1)[0]
            return start_response(status_line, headers, *exc)

        try:
            body = list(inner(environ, start))
        except RequestReadTimeoutError:
            # the server answers it (bot/runtime/http_server.py), not a failure of ours
            status[0] = "408"
            raise
        finally:
            _current.reset(token)
            _finish(environ, record, status[0], time.monotonic() - started)
        return body

    return app


def _finish(environ: dict[str, Any], record: RequestRecord, status: str, seconds: float) -> None:
    path = environ.get("PATH_INFO", "")
    quiet = path in QUIET_PATHS
    kind = record.kind if not quiet else path.strip("/")
    REQUEST_SECONDS.labels(kind, status).observe(seconds)
    level = logging.DEBUG if quiet else logging.INFO
    if not logger.isEnabledFor(level):
        return
    fields = {
        "method": environ.get("REQUEST_METHOD", ""),
        "path": path,
        "status": int(status) if status.isdigit() else status,
        "latency_ms": round(seconds * 1000, 1),
        "kind": kind,
        "target": record.target,
        "slack_request_id": record.slack_request_id,
        "team": record.team,
        "retry": record.retry,
    }
    logger.log(
        level,
        "%s %s %s %s%s %.1fms",
        fields["method"],
        path,
        status,
        kind,
        f" {record.target}" if record.target else "",
        fields["latency_ms"],
        extra={k: v for k, v in fields.items() if v != ""},
    )


def describe_request(req: BoltRequest, resp: BoltResponse, next: Callable[[], Any]) -> Any:
    """Bolt global middleware: fill in this request's record, then carry on."""
    record = _current.get()
    if record is not None:
        record.kind, record.target, record.slack_request_id = classify(req.body)
        record.team = str(req.context.team_id or "")
        record.retry = _first(req.headers.get("x-slack-retry-num"))
    return next()


def classify(body: dict[str, Any]) -> tuple[str, str, str]:
    """(kind, what exactly, Slack's id for the request) from a parsed request body."""
    if "command" in body:
        return "command", str(body.get("command", "")), str(body.get("trigger_id", ""))
    kind = str(body.get("type") or "unknown")
    if kind == "event_callback":
        event = body.get("event") or {}
        return "event", str(event.get("type", "")), str(body.get("event_id", ""))
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        action_id = loggable_action(str(actions[0].get("action_id", "")))
        return kind, action_id, str(body.get("trigger_id", ""))
    if kind in {"view_submission", "view_closed"}:
        view = body.get("view") or {}
        return kind, str(view.get("callback_id", "")), str(view.get("id", ""))
    return kind, str(body.get("callback_id", "")), str(body.get("trigger_id", ""))


def _first(values: Any) -> str:
    if isinstance(values, (list, tuple)):
        return str(values[0]) if values else ""
    return str(values or "")
