"""HTTP mode: a small WSGI router in front of bolt.

``POST /slack/events`` goes to bolt (commands, interactivity and events share it; bolt
checks every signature and its 5-minute window), ``GET /healthz`` answers that the
process is up, ``GET /readyz`` that the database answers with a current schema, and
``GET /metrics`` gives Prometheus its figures. The built-in server here is threaded and
meant for one process; production replicas run the same WSGI app under gunicorn
(bot/runtime/gunicorn_app.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Callable, Iterable, Mapping
from socketserver import ThreadingMixIn
from typing import IO, Any, cast
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.runtime import metrics
from bot.runtime.web.bodies import is_well_formed
from bot.runtime.web.health import Readiness
from bot.runtime.web.limits import MAX_BODY_BYTES, BodyTooLargeError, read_bounded_body
from bot.runtime.web.observe import StartResponse, WSGIApp, observed
from bot.runtime.web.read_deadline import (
    DEFAULT_READ_SECONDS,
    TIMEOUT_RESPONSE,
    RequestReadTimeoutError,
    deadline_rfile,
)
from bot.runtime.web.signature_headers import has_well_formed_signature
from bot.runtime.web.webhooks import WebhookHandler
from storage.db import SessionFactory

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
GET_PATHS = frozenset({HEALTH_PATH, READY_PATH, METRICS_PATH})
__all__ = ["MAX_BODY_BYTES", "make_wsgi_app", "serve_http"]


def make_wsgi_app(
    app: App,
    *,
    readiness: Callable[[], Readiness] | None = None,
    session_factory: SessionFactory | None = None,
    webhooks: Mapping[str, WebhookHandler] | None = None,
) -> WSGIApp:
    """The router; ``readiness`` backs /readyz, ``session_factory`` the outbox metrics,
    ``webhooks`` the configured trackers' endpoints (bot/runtime/web/webhooks.py)."""
    slack_handler = SlackRequestHandler(app)
    hooks = dict(webhooks or {})

    def route(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if path in GET_PATHS and method == "GET":
            return _get(path, start_response)
        if (path == EVENTS_PATH or path in hooks) and method == "POST":
            try:
                body = read_bounded_body(environ)
            except BodyTooLargeError:
                return _json(start_response, "413 Payload Too Large", {"error": "too_large"})
            if path != EVENTS_PATH:  # a tracker's webhook
                status, answer = hooks[path](body, environ)
                return _json(start_response, status, answer)
            if not has_well_formed_signature(environ):
                return _json(start_response, "401 Unauthorized", {"error": "invalid request"})
            if not is_well_formed(body, environ.get("CONTENT_TYPE", "")):
                return _json(start_response, "400 Bad Request", {"error": "malformed"})
            return slack_handler(environ, start_response)
        if path in GET_PATHS or path == EVENTS_PATH or path in hooks:
            return _json(start_response, "405 Method Not Allowed", {"error": "method"})
        return _json(start_response, "404 Not Found", {"error": "not_found"})

    def _get(path: str, start_response: StartResponse) -> list[bytes]:
        if path == HEALTH_PATH:
            return _json(start_response, "200 OK", {"ok": True})
        if path == READY_PATH:
            state = readiness() if readiness is not None else Readiness(True, "ok")
            status = "200 OK" if state.ready else "503 Service Unavailable"
            return _json(start_response, status, {"ready": state.ready, "reason": state.reason})
        return _answer(
            start_response, "200 OK", metrics.CONTENT_TYPE, metrics.render(session_factory)
        )

    return observed(route)


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    return _answer(start_response, status, "application/json", json.dumps(body).encode())


def _answer(
    start_response: StartResponse, status: str, content_type: str, payload: bytes
) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
    return [payload]


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per connection; a listen backlog sized for bursts of Slack requests.

    socketserver's default backlog of 5 drops connections under a burst of 20, and each
    dropped SYN costs the client a one-second retransmit: a p99 of a second, not of ms.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


class TimeoutAnsweringHandler(ServerHandler):
    """wsgiref's per-request handler; a body that missed its deadline gets a 408."""

    # set by wsgiref's BaseHandler at run time; typeshed does not declare them
    headers_sent: bool
    environ: dict[str, Any]

    def handle_error(self) -> None:
        if not isinstance(sys.exc_info()[1], RequestReadTimeoutError):
            super().handle_error()
            return
        logger.debug("request body not received in time")
        if not self.headers_sent:
            self.error_status = "408 Request Timeout"
            self.error_headers = [("Content-Type", "application/json")]
            self.error_body = b'{"error": "timeout"}'
            self.result = self.error_output(self.environ, self.start_response)
            self.finish_response()


class QuietRequestHandler(WSGIRequestHandler):
    """One request per connection, read within ``read_seconds`` (headers and body).

    The deadline holds however slowly the bytes come (bot/runtime/web/read_deadline.py), so a
    stalled or dripping client costs a thread for at most that long.
    """

    read_seconds = DEFAULT_READ_SECONDS

    def setup(self) -> None:
        super().setup()
        self.rfile = deadline_rfile(self.connection, self.read_seconds)

    def handle(self) -> None:
        """wsgiref's ``handle``, with the deadline's errors answered instead of raised."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414)
                return
            if not self.parse_request():
                return
        except RequestReadTimeoutError:
            logger.debug("%s - request headers not received in time", self.address_string())
            with contextlib.suppress(OSError):
                self.wfile.write(TIMEOUT_RESPONSE)
            self.close_connection = True
            return
        # socketserver types its files as BufferedIOBase, wsgiref asks for IO[bytes]
        rfile, wfile = cast(IO[bytes], self.rfile), cast(IO[bytes], self.wfile)
        handler = TimeoutAnsweringHandler(
            rfile, wfile, self.get_stderr(), self.get_environ(), multithread=False
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


def bounded_handler(read_seconds: float) -> type[QuietRequestHandler]:
    """The request handler class with its own read deadline."""
    return type("BoundedRequestHandler", (QuietRequestHandler,), {"read_seconds": read_seconds})


def serve_http(
    app: App,
    host: str,
    port: int,
    *,
    readiness: Callable[[], Readiness] | None = None,
    session_factory: SessionFactory | None = None,
    read_seconds: float = DEFAULT_READ_SECONDS,
    webhooks: Mapping[str, WebhookHandler] | None = None,
) -> None:
    """Serve until interrupted; each request must arrive within ``read_seconds``."""
    server = make_server(
        host,
        port,
        make_wsgi_app(app, readiness=readiness, session_factory=session_factory, webhooks=webhooks),
        server_class=ThreadingWSGIServer,
        handler_class=bounded_handler(read_seconds),
    )
    logger.info("listening on http://%s:%d%s", host, server.server_port, EVENTS_PATH)
    try:
        server.serve_forever()
    finally:
        server.server_close()
