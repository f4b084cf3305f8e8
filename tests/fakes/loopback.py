"""What every loopback HTTP fake shares: a threaded server on 127.0.0.1 at a free port, and
a handler that routes GET and POST to one method and logs nothing (the fake's own record of
requests is the log)."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)

    def start(self, name: str) -> threading.Thread:
        """Serve in a daemon thread. ``shutdown()`` waits up to one poll interval: the
        default 0.5 s adds up over a suite."""
        thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, name=name, daemon=True
        )
        thread.start()
        return thread

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a test's client timing out on a scripted delay) is fine."""
        if isinstance(sys.exception(), ConnectionError):
            return
        super().handle_error(request, client_address)


class QuietHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.respond()

    def do_POST(self) -> None:
        self.respond()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake's record of requests is the log."""

    def respond(self) -> None:
        raise NotImplementedError
