"""Response URLs: called only on Slack's own host, and never for long.

A ``response_url`` arrives in the request body, so the app calls only those on Slack's
hooks host (``hooks.slack.com``) or on the host that ``SLACK_API_URL`` names (a local
fake of Slack, a proxy in front of it) and its ``hooks.`` sibling (GovSlack's
``hooks.slack-gov.com``). Any other URL is refused and logged, whatever the request says:
a body can never make the app post to a URL of its sender's choosing. Every call times
out after a few seconds, so a URL that never answers cannot hold a thread for long.

Everything that posts to a response URL goes through :class:`ResponseUrls`: the
``respond`` that listeners and the error handler use (:class:`GuardedRespond`, installed
for every request by bot/slack/trust.py) and the placement worker's deferred reply.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from http.client import RemoteDisconnected
from ssl import SSLContext
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.context.respond import Respond
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.webhook import WebhookClient, WebhookResponse

logger = logging.getLogger(__name__)

SLACK_HOOKS_HOST = "hooks.slack.com"
RESPONSE_URL_TIMEOUT_SECONDS = 3
DEFAULT_PORTS = {"http": 80, "https": 443}


def quick_retries() -> list[RetryHandler]:
    """One retry of a connection that failed at once (reset, closed); never of a timeout,
    which would double the time a URL that never answers holds the thread."""
    return [ConnectionErrorRetryHandler(error_types=[ConnectionResetError, RemoteDisconnected])]


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int


def origin_of(url: str) -> Origin | None:
    """Scheme, host and port of an http(s) URL; None for anything else or anything odd
    (credentials before the host, whitespace or non-ASCII characters a parser may drop)."""
    if not url.isascii() or any(c <= " " or c == "\\" for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    return Origin(parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme])


def _is_dns_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return "." in host
    return False


@dataclass(frozen=True)
class ResponseUrls:
    """Which response URLs the app may call."""

    allowed: frozenset[Origin]

    @classmethod
    def for_api(cls, api_url: str) -> ResponseUrls:
        """Slack's hooks host, plus the host of ``api_url`` (SLACK_API_URL) and its
        ``hooks.`` sibling when that is a domain name."""
        allowed = {Origin("https", SLACK_HOOKS_HOST, 443)}
        api = origin_of(api_url)
        if api is not None:
            allowed.add(api)
            if _is_dns_name(api.host) and not api.host.startswith("hooks."):
                allowed.add(Origin(api.scheme, f"hooks.{api.host}", api.port))
        return cls(frozenset(allowed))

    def allows(self, url: str | None) -> bool:
        return url is not None and origin_of(url) in self.allowed

    def client(
        self, url: str | None, retry_handlers: Sequence[RetryHandler] | None = None, **kwargs: Any
    ) -> WebhookClient | None:
        """A client for ``url`` with a short timeout, or None (logged) if it is not Slack's.

        ``retry_handlers`` default to :func:`quick_retries`."""
        if url is None or not self.allows(url):
            logger.warning("refused a response_url on %s", _host_for_log(url))
            return None
        return WebhookClient(
            url,
            timeout=RESPONSE_URL_TIMEOUT_SECONDS,
            retry_handlers=list(retry_handlers) if retry_handlers is not None else quick_retries(),
            **kwargs,
        )


def _host_for_log(url: str | None) -> str:
    origin = origin_of(url) if url else None
    return f"{origin.host}:{origin.port}" if origin else "an unusable URL"


class GuardedRespond(Respond):
    """bolt's ``respond()``, calling only the response URLs that ``urls`` allows.

    A refused URL is logged and nothing is sent (the call returns None): listeners and
    the error handler treat that like any other reply that could not be delivered.
    """

    def __init__(
        self,
        *,
        response_url: str | None,
        urls: ResponseUrls,
        proxy: str | None = None,
        ssl: SSLContext | None = None,
    ) -> None:
        super().__init__(response_url=response_url, proxy=proxy, ssl=ssl)
        self.urls = urls

    def __call__(  # type: ignore[override]
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse | None:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        client = self.urls.client(self.response_url, proxy=self.proxy, ssl=self.ssl)
        if client is None:
            return None
        if isinstance(text, dict):
            return client.send_dict(text)
        fields = {
            "text": text,
            "blocks": list(blocks) if blocks else None,
            "attachments": list(attachments) if attachments else None,
            "response_type": response_type,
            "replace_original": replace_original,
            "delete_original": delete_original,
            "unfurl_links": unfurl_links,
            "unfurl_media": unfurl_media,
            "thread_ts": thread_ts,
            "metadata": metadata,
        }
        return client.send_dict({k: v for k, v in fields.items() if v is not None})
