"""A total deadline for reading one request from a socket (the built-in server).

A socket timeout bounds each wait for bytes, not the whole request: a client that sends
one byte just before each timeout keeps a connection (and its thread) forever. This
reader gives every ``recv`` only what is left of the request's deadline, so headers and
body together arrive within ``seconds`` of the connection, however they are dripped.
After each read the socket gets back a generous timeout for writing the answer.
"""

from __future__ import annotations

import io
import socket
import time

DEFAULT_READ_SECONDS = 10.0
WRITE_TIMEOUT_SECONDS = 30.0
TIMEOUT_RESPONSE = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


class RequestReadTimeoutError(TimeoutError):
    """The client did not send its whole request within the read deadline."""


class DeadlineReader(io.RawIOBase):
    """The socket's bytes, each read bounded by what is left of one deadline."""

    def __init__(
        self,
        sock: socket.socket,
        seconds: float,
        write_timeout: float = WRITE_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__()
        self._sock = sock
        self.deadline = time.monotonic() + seconds
        self._write_timeout = write_timeout

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._sock.fileno()

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise RequestReadTimeoutError
        self._sock.settimeout(remaining)
        try:
            return self._sock.recv_into(buffer)
        except TimeoutError:
            raise RequestReadTimeoutError from None
        finally:
            self._sock.settimeout(self._write_timeout)


def deadline_rfile(sock: socket.socket, seconds: float) -> io.BufferedReader:
    """What a request handler reads its request from."""
    return io.BufferedReader(DeadlineReader(sock, seconds))
