"""Bodies bolt can parse: anything else is refused with 400 before bolt sees it.

bolt parses the body before it checks the signature, and a JSON body that is not an
object (or a ``payload=`` field that is not a JSON object) makes that parsing raise, which
would surface as a bare 500. Slack never sends such bodies.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs


def is_well_formed(body: bytes, content_type: str) -> bool:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if content_type.split(";")[0].strip().lower() == "application/json":
        return _is_json_object(text)
    payload = parse_qs(text, keep_blank_values=True).get("payload")
    return payload is None or _is_json_object(payload[0])


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False
