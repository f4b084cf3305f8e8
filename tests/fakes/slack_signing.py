"""Slack's request signing (v0), and a signed request ready to send to the app.

Slack signs ``v0:{timestamp}:{raw body}`` with HMAC-SHA256 keyed by the app's signing
secret and sends ``X-Slack-Signature: v0=<hex>`` with ``X-Slack-Request-Timestamp``;
``slack_sdk.signature.SignatureVerifier`` (which bolt uses) checks both, and rejects
timestamps more than five minutes away from now.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl

SIGNING_SECRET = "fake-signing-secret"  # configure the app under test with this one
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


def compute_signature(secret: str, timestamp: int | str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedRequest:
    """A request body and the headers Slack sends with it."""

    body: str
    headers: dict[str, str]

    @property
    def content_type(self) -> str:
        return self.headers["Content-Type"]

    @property
    def timestamp(self) -> int:
        return int(self.headers["X-Slack-Request-Timestamp"])

    def with_retry(self, num: int, reason: str = "http_timeout") -> SignedRequest:
        """The same delivery as Slack retries it (retries are not re-signed differently)."""
        headers = {**self.headers, "X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": reason}
        return replace(self, headers=headers)

    def resigned(
        self, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
    ) -> SignedRequest:
        """Signed again with another secret or timestamp (e.g. a stale one)."""
        return sign(self.body, self.content_type, secret=secret, timestamp=timestamp)

    def with_bad_signature(self) -> SignedRequest:
        """Well-formed but wrong: signed with a secret the app does not have."""
        signature = compute_signature("not-the-" + SIGNING_SECRET, self.timestamp, self.body)
        return replace(self, headers={**self.headers, "X-Slack-Signature": signature})

    def payload(self) -> dict[str, Any]:
        """The body decoded the way bolt decodes it (JSON, ``payload=`` JSON, or form)."""
        if self.content_type.startswith(JSON):
            return dict(json.loads(self.body))
        fields = dict(parse_qsl(self.body, keep_blank_values=True))
        if "payload" in fields:
            return dict(json.loads(fields["payload"]))
        return fields


def sign(
    body: str, content_type: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> SignedRequest:
    """Sign ``body`` as Slack would, at ``timestamp`` (default: now)."""
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": compute_signature(secret, ts, body),
        "User-Agent": _USER_AGENT,
    }
    return SignedRequest(body, headers)
