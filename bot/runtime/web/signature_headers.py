"""Slack's signature headers, checked for their shape before bolt verifies them.

bolt's check turns the timestamp into an int and compares signatures with
``hmac.compare_digest``: a timestamp that is not an integer (``abc``, ``1796157110.5``,
five thousand digits) or a signature with non-ASCII characters makes it raise instead of
answering "invalid", and the exception would reach the error handler with an unverified
body. Slack always sends a decimal Unix time and ``v0=`` with 64 hex digits; anything
else is refused with 401 at the edge, like any bad signature. (HTTP mode always
verifies: the runner refuses to serve it without a signing secret.)
"""

from __future__ import annotations

import re
from typing import Any

TIMESTAMP_KEY = "HTTP_X_SLACK_REQUEST_TIMESTAMP"
SIGNATURE_KEY = "HTTP_X_SLACK_SIGNATURE"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def has_well_formed_signature(environ: dict[str, Any]) -> bool:
    timestamp = environ.get(TIMESTAMP_KEY)
    signature = environ.get(SIGNATURE_KEY)
    return (
        isinstance(timestamp, str)
        and _TIMESTAMP.fullmatch(timestamp) is not None
        and isinstance(signature, str)
        and _SIGNATURE.fullmatch(signature) is not None
    )
