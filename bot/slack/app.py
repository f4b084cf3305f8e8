"""The bolt app factory: one place that wires settings, storage and Slack together."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.runtime.deps import Deps
from bot.runtime.settings import Settings
from bot.runtime.web.observe import describe_request
from bot.slack.context import deps_middleware
from bot.slack.errors import handle_error
from bot.slack.listeners import register_all
from bot.slack.response_urls import ResponseUrls
from bot.slack.trust import check_input, trust_middleware

logger = logging.getLogger(__name__)

WEB_API_TIMEOUT_SECONDS = 10
WEB_API_RETRIES = 2


def create_app(settings: Settings, client: WebClient, deps: Deps) -> App:
    """Build the bolt App with every listener registered.

    ``deps`` come from :func:`bot.runtime.wiring.make_deps`, and reach each listener through
    bolt's ``context`` (bot/slack/context.py); their maker closes them on shutdown.
    ``client`` is the Web API client (its base URL comes from SLACK_API_URL, so tests
    point it at a local fake). The listener pool is sized explicitly so that slow work
    after ``ack()`` cannot starve the acks of other requests. A listener that fails (the
    database is down, say) is answered by ``handle_error``, never dropped in silence; a
    request whose verification failed is answered by nobody, and response URLs are
    called only on Slack's host (bot/slack/trust.py, bot/slack/response_urls.py).
    """
    signing_secret = settings.slack_signing_secret
    app = App(
        client=client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else None,
        request_verification_enabled=signing_secret is not None,
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(
            max_workers=settings.listener_threads, thread_name_prefix="pulseboard-listener"
        ),
        logger=logging.getLogger("pulseboard.bolt"),
    )
    app.use(trust_middleware(ResponseUrls.for_api(settings.slack_api_url)))
    app.use(check_input)
    app.use(describe_request)
    app.use(deps_middleware(deps))
    app.error(handle_error)
    register_all(app)
    return app


def make_client(settings: Settings) -> WebClient:
    """A Web API client that retries 429s (honouring Retry-After) and 5xx a few times.

    Past those retries a reply is dropped and logged; data is stored before any reply.
    """
    token = settings.slack_bot_token
    client = WebClient(
        token=token.get_secret_value() if token else None,
        base_url=settings.slack_api_url,
        timeout=WEB_API_TIMEOUT_SECONDS,
    )
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=WEB_API_RETRIES),
            ServerErrorRetryHandler(max_retry_count=WEB_API_RETRIES),
        ]
    )
    return client
