"""Has an HTTP/1.x request fully arrived? Decided on the bytes received so far.

The gunicorn worker (bot/runtime/web/buffering_worker.py) collects a request in its event loop
and hands it to a thread only when this says it is complete, so a client that drips its
headers or body holds no thread. Anything malformed once the headers are in (a length
that is not a number, two lengths) is handed on too: gunicorn's parser and our body
limits (bot/runtime/web/limits.py) answer it from memory, without reading the socket again.
"""

from __future__ import annotations

from enum import Enum

from bot.runtime.web.limits import MAX_BODY_BYTES

MAX_HEADER_BYTES = 64 * 1024
MAX_CHUNK_LINE = 1024
HEADERS_END = b"\r\n\r\n"


class Arrival(Enum):
    INCOMPLETE = "incomplete"
    COMPLETE = "complete"  # or malformed: either way, nothing more to wait for
    HEADERS_TOO_LARGE = "headers_too_large"


def arrival(data: bytes) -> Arrival:
    """Where the request at the start of ``data`` stands."""
    end = data.find(HEADERS_END)
    if end == -1:
        return Arrival.HEADERS_TOO_LARGE if len(data) > MAX_HEADER_BYTES else Arrival.INCOMPLETE
    if end > MAX_HEADER_BYTES:
        return Arrival.HEADERS_TOO_LARGE
    body_start = end + len(HEADERS_END)
    lengths, chunked = _framing(data[:end])
    if chunked:
        return _chunked_arrival(data, body_start)
    if len(lengths) != 1:
        return Arrival.COMPLETE  # no body, or two lengths (the parser refuses those)
    raw = lengths[0]
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_BODY_BYTES:
        return Arrival.COMPLETE  # refused before its body is read
    return Arrival.COMPLETE if len(data) - body_start >= int(raw) else Arrival.INCOMPLETE


def _framing(head: bytes) -> tuple[list[str], bool]:
    """The Content-Length values and whether the body is chunked."""
    lengths: list[str] = []
    chunked = False
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            lengths.append(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    return lengths, chunked


def _chunked_arrival(data: bytes, start: int) -> Arrival:
    position = start
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end == -1:
            too_long = len(data) - position > MAX_CHUNK_LINE
            return Arrival.COMPLETE if too_long else Arrival.INCOMPLETE
        size_field = data[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_field, 16)
        except ValueError:
            return Arrival.COMPLETE
        if size == 0:
            trailers_end = data.find(HEADERS_END, line_end)
            return Arrival.COMPLETE if trailers_end != -1 else Arrival.INCOMPLETE
        position = line_end + 2 + size + 2
        if position - start > MAX_BODY_BYTES + MAX_CHUNK_LINE:
            return Arrival.COMPLETE  # over the limit: refused with what has arrived
        if position > len(data):
            return Arrival.INCOMPLETE
