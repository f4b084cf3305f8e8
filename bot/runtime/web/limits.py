"""Request body limits that hold whatever Content-Length says.

A declared length over the limit is refused before reading (gunicorn also dechunks a
chunked body and marks its end with ``wsgi.input_terminated``). A missing, chunked or lying
length cannot make bolt read more than the limit: the body is read here, at most
``limit + 1`` bytes, and handed on as a small in-memory stream with its true length.
"""

from __future__ import annotations

import io
from typing import Any

MAX_BODY_BYTES = 1_000_000
READ_CHUNK = 64 * 1024


class BodyTooLargeError(Exception):
    pass


def declared_length(environ: dict[str, Any]) -> int | None:
    """Content-Length as a number; None when absent; over any limit when malformed."""
    raw = environ.get("CONTENT_LENGTH")
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        return MAX_BODY_BYTES + 1
    return value if value >= 0 else MAX_BODY_BYTES + 1


def read_bounded_body(environ: dict[str, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    """Read the body (at most ``limit`` bytes) and make the environ describe it exactly."""
    declared = declared_length(environ)
    if declared is not None and declared > limit:
        raise BodyTooLargeError
    stream = environ.get("wsgi.input")
    terminated = bool(environ.get("wsgi.input_terminated"))
    body = _read_up_to(stream, limit + 1, declared, terminated) if stream is not None else b""
    if len(body) > limit:
        raise BodyTooLargeError
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _read_up_to(stream: Any, most: int, declared: int | None, environ_terminated: bool) -> bytes:
    if declared is None and not environ_terminated:
        # No length and a server that does not mark the end of the body (wsgiref): reading
        # would wait for the client to close the connection. HTTP says the body is empty.
        return b""
    if declared is not None:
        # A length is given: never read past it (a keep-alive connection's next request
        # follows), and never more than the limit allows.
        return bytes(stream.read(min(declared, most)))
    chunks: list[bytes] = []
    size = 0
    while size < most:
        chunk = stream.read(min(READ_CHUNK, most - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
