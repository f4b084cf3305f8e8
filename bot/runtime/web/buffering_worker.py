"""A gthread worker that gives a request to a thread only once it has fully arrived.

gunicorn's threaded worker reads headers and body in the thread that serves the request:
ten clients that send their headers and then drip the body (or never send it) hold ten
threads for as long as they like, and with them the worker. Here the worker's event loop
collects each request without blocking (headers and body, see bot/runtime/web/arrival.py) and
submits it to the thread pool with its bytes already in the parser's buffer, so threads
only ever run requests that are complete. A request that has not arrived within
``read_seconds`` of its connection (or of its keep-alive connection turning readable) is
answered 408 and closed, as are headers over 64 KiB (431).

This builds on gunicorn 27's gthread worker: ``enqueue_req`` (where every connection
goes when it has a request to serve: new, kept alive, or with bytes read ahead) and
``murder_keepalived`` (run by the event loop at least once a second). All of it runs in
the worker's main thread, as gthread's own connection bookkeeping does.
"""

from __future__ import annotations

import contextlib
import selectors
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn import http
from gunicorn.workers.gthread import ThreadWorker

from bot.runtime.web.arrival import Arrival, arrival
from bot.runtime.web.limits import MAX_BODY_BYTES, READ_CHUNK
from bot.runtime.web.read_deadline import DEFAULT_READ_SECONDS, TIMEOUT_RESPONSE

MOST_BUFFERED = MAX_BODY_BYTES + 2 * READ_CHUNK
HEADERS_TOO_LARGE_RESPONSE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Connection: close\r\nContent-Length: 0\r\n\r\n"
)


@dataclass
class Incoming:
    deadline: float
    data: bytearray = field(default_factory=bytearray)


class BufferingThreadWorker(ThreadWorker):
    read_seconds = DEFAULT_READ_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incoming: dict[Any, Incoming] = {}

    def enqueue_req(self, conn: Any) -> None:
        if self.cfg.is_ssl or conn.is_http2:
            super().enqueue_req(conn)
            return
        held = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        pending = Incoming(time.monotonic() + self.read_seconds, bytearray(held))
        conn.sock.setblocking(False)
        self.incoming[conn] = pending
        if held and self._advance(conn, pending, registered=False):
            return
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn: Any, _sock: Any) -> None:
        pending = self.incoming[conn]
        try:
            while len(pending.data) <= MOST_BUFFERED:
                chunk = conn.sock.recv(READ_CHUNK)
                if not chunk:
                    self._drop(conn, None)
                    return
                pending.data += chunk
        except BlockingIOError:
            pass
        except OSError:
            self._drop(conn, None)
            return
        self._advance(conn, pending, registered=True)

    def _advance(self, conn: Any, pending: Incoming, *, registered: bool) -> bool:
        """Hand the request on (or refuse it) once nothing more need arrive."""
        state = arrival(bytes(pending.data))
        if state is Arrival.INCOMPLETE and len(pending.data) <= MOST_BUFFERED:
            return False
        del self.incoming[conn]
        if registered:
            self.poller.unregister(conn.sock)
        if state is Arrival.HEADERS_TOO_LARGE:
            self._close(conn, HEADERS_TOO_LARGE_RESPONSE)
            return True
        conn.sock.setblocking(True)
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(bytes(pending.data))
        conn.data_ready = True
        super().enqueue_req(conn)
        return True

    def murder_keepalived(self, force: bool = False) -> None:
        super().murder_keepalived(force)
        now = time.monotonic()
        for conn, pending in list(self.incoming.items()):
            if force or pending.deadline <= now:
                self._drop(conn, TIMEOUT_RESPONSE)

    def _drop(self, conn: Any, answer: bytes | None) -> None:
        self.incoming.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        self._close(conn, answer)

    def _close(self, conn: Any, answer: bytes | None) -> None:
        if answer is not None:
            with contextlib.suppress(OSError):
                conn.sock.send(answer)
        self.nr_conns -= 1
        conn.close()


def buffering_worker(read_seconds: float) -> type[BufferingThreadWorker]:
    """The worker class with its own read deadline (gunicorn takes a class)."""
    return type("PulseboardThreadWorker", (BufferingThreadWorker,), {"read_seconds": read_seconds})
