"""An HTTP server on loopback that stands for the attacker's URL: it records every hit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.loopback import LoopbackServer, QuietHandler


class _Recorder(QuietHandler):
    server: _Server

    def respond(self) -> None:
        with self.server.lock:
            self.server.hits.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class _Server(LoopbackServer):
    def __init__(self) -> None:
        super().__init__(_Recorder)
        self.hits: list[str] = []
        self.lock = threading.Lock()


class Attacker:
    def __init__(self, server: _Server) -> None:
        self._server = server
        host, port = server.server_address[:2]
        self.base = f"http://{host}:{port}"

    def url(self, name: str = "hook") -> str:
        return f"{self.base}/{name}"

    @property
    def hits(self) -> list[str]:
        with self._server.lock:
            return list(self._server.hits)


@contextmanager
def attacker_server() -> Iterator[Attacker]:
    server = _Server()
    server.start("attacker")
    try:
        yield Attacker(server)
    finally:
        server.shutdown()
        server.server_close()
