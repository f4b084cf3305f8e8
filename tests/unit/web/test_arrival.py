"""When has a request fully arrived (the gunicorn worker's hand-over rule)?"""

from __future__ import annotations

import pytest

from bot.runtime.web.arrival import MAX_HEADER_BYTES, Arrival, arrival

HEAD = b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"


@pytest.mark.parametrize(
    ("data", "state"),
    [
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", Arrival.COMPLETE),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", Arrival.INCOMPLETE),
        (HEAD + b"Content-Length: 5\r\n\r\nabc", Arrival.INCOMPLETE),
        (HEAD + b"content-length: 5\r\n\r\nabcde", Arrival.COMPLETE),
        (HEAD + b"Content-Length: nope\r\n\r\n", Arrival.COMPLETE),
        (HEAD + "Content-Length: ²\r\n\r\n".encode("latin-1"), Arrival.COMPLETE),
        (HEAD + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n", Arrival.COMPLETE),
        (HEAD + b"Content-Length: 999999999\r\n\r\n", Arrival.COMPLETE),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", Arrival.INCOMPLETE),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", Arrival.COMPLETE),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", Arrival.COMPLETE),
        (HEAD + b"X: " + b"y" * MAX_HEADER_BYTES, Arrival.HEADERS_TOO_LARGE),
    ],
)
def test_arrival(data: bytes, state: Arrival) -> None:
    assert arrival(data) is state
