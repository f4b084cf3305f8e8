"""`pulseboard serve`: Socket Mode by default when an app token is set, else HTTP.

HTTP is served by the built-in threaded server in this one process, or with
``--workers N`` by gunicorn in N worker processes (bot/runtime/gunicorn_app.py).
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime
from types import FrameType

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.jobs.scheduler import Jobs
from bot.runtime.cron import next_firings
from bot.runtime.database import open_database, serving_pool_size
from bot.runtime.http_server import serve_http
from bot.runtime.logs import setup_logging
from bot.runtime.settings import Settings
from bot.runtime.web.health import ReadinessCheck
from bot.runtime.web.kpi_endpoint import kpi_handlers
from bot.runtime.web.webhooks import webhook_handlers
from bot.runtime.wiring import make_deps
from bot.services.scoring_config import scoring_config
from bot.services.themes.vectors import backfill, missing_count
from bot.slack.app import create_app, make_client
from storage.db import SessionFactory, is_sqlite

logger = logging.getLogger(__name__)

CREDENTIALS_HELP = (
    "Slack credentials are missing: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN for Socket Mode, "
    "or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for HTTP mode (--http). "
    "To see Pulseboard work without Slack, run `pulseboard demo`."
)


class MissingCredentialsError(Exception):
    pass


class SlackUnavailableError(Exception):
    pass


def workspace_of(client: WebClient, api_url: str) -> str:
    """The Slack team the bot token belongs to (the workspace the jobs serve)."""
    try:
        return str(client.auth_test()["team_id"])
    except SlackApiError as error:
        raise SlackUnavailableError(
            f"Slack refused the bot token ({error.response.get('error')}): check SLACK_BOT_TOKEN"
        ) from None
    except OSError as error:
        raise SlackUnavailableError(f"cannot reach Slack at {api_url}: {error}") from None


def stop_on_sigterm() -> None:
    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def store_missing_vectors(settings: Settings, session_factory: SessionFactory) -> int:
    """Embed and store the vectors of requests that have none; how many.

    SQLite is upgraded on start (PostgreSQL by `pulseboard db upgrade`, which does this
    too), so a database from before stored vectors, or from another model file, gets them
    here, once, instead of every ranking embedding its themes' requests again until the
    next re-grouping.
    """
    embedder = scoring_config(settings).themes.embedder  # loaded once per process
    if embedder is None or missing_count(session_factory, embedder) == 0:
        return 0
    embedded = backfill(session_factory, embedder)
    logger.info("stored the vectors of %d requests that had none", embedded)
    return embedded


def log_schedules(settings: Settings, now: datetime) -> None:
    """One line per schedule with its next three firings, so a cron typo shows at start."""
    for name, cron in (("digest", settings.digest_schedule), ("pulse", settings.pulse_schedule)):
        firings = next_firings(cron, settings.zone, now)
        shown = ", ".join(firing.strftime("%a %d %b %Y %H:%M") for firing in firings)
        logger.info("%s schedule %r (%s): next %s", name, cron, settings.timezone, shown)


def serve(
    settings: Settings, *, http: bool, host: str, port: int, workers: int | None = None
) -> None:
    socket_mode = settings.slack_app_token is not None and not http and workers is None
    if settings.slack_bot_token is None or (
        not socket_mode and settings.slack_signing_secret is None
    ):
        raise MissingCredentialsError(CREDENTIALS_HELP)
    setup_logging(settings.log_level, settings.log_format)
    log_schedules(settings, datetime.now(UTC))
    engine, session_factory = open_database(
        settings.database_url, pool_size=serving_pool_size(settings.listener_threads)
    )
    if is_sqlite(settings.database_url):
        store_missing_vectors(settings, session_factory)
    client = make_client(settings)
    workspace_id = workspace_of(client, settings.slack_api_url)
    if workers is not None:
        from bot.runtime.gunicorn_app import serve_with_gunicorn

        engine.dispose()  # each worker opens its own after the fork
        serve_with_gunicorn(settings, workspace_id, host, port, workers)
        return
    jobs = Jobs(settings, session_factory, client, workspace_id)
    deps = make_deps(settings, session_factory, client)
    app = create_app(settings, client, deps)
    stop_on_sigterm()
    jobs.start()
    try:
        if socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            assert settings.slack_app_token is not None
            logger.info("connecting to Slack in Socket Mode")
            SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        else:
            serve_http(
                app,
                host,
                port,
                readiness=ReadinessCheck(engine),
                session_factory=session_factory,
                read_seconds=settings.request_read_seconds,
                webhooks=webhook_handlers(settings, session_factory)
                | kpi_handlers(settings, session_factory),
            )
    except KeyboardInterrupt:
        logger.info("shutting down")
    finally:
        deps.close()
        jobs.shutdown()
