"""HTTP mode: a small WSGI router in front of bolt.

``POST /slack/events`` goes to bolt (commands, interactivity and events share it),
``GET /healthz`` answers that the process is up. The built-in server here is threaded
and meant for one process; production replicas run the same WSGI app under gunicorn.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1_000_000

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def make_wsgi_app(app: App) -> WSGIApp:
    slack_handler = SlackRequestHandler(app)

    def route(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and method == "GET":
            return _json(start_response, "200 OK", {"ok": True})
        if path == EVENTS_PATH and method == "POST":
            if _content_length(environ) > MAX_BODY_BYTES:
                return _json(start_response, "413 Payload Too Large", {"error": "too_large"})
            return slack_handler(environ, start_response)
        if path in {HEALTH_PATH, EVENTS_PATH}:
            return _json(start_response, "405 Method Not Allowed", {"error": "method"})
        return _json(start_response, "404 Not Found", {"error": "not_found"})

    return route


def _content_length(environ: dict[str, Any]) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MAX_BODY_BYTES + 1


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


def serve_http(app: App, host: str, port: int) -> None:
    """Serve until interrupted."""
    server = make_server(
        host,
        port,
        make_wsgi_app(app),
        server_class=ThreadingWSGIServer,
        handler_class=QuietRequestHandler,
    )
    logger.info("listening on http://%s:%d%s", host, server.server_port, EVENTS_PATH)
    try:
        server.serve_forever()
    finally:
        server.server_close()
