"""Production HTTP serving: the bolt app in gunicorn worker processes.

The arbiter (this process) checks the credentials and the database once, then forks
``workers`` processes. Each worker builds its own engine, Web API client and bolt app
(connections and threads must not cross a fork) and runs its own jobs: the scheduler, the
outbox sender and a placement worker (a thread, bot/jobs/placement.py). Leases
(bot/jobs/lease.py) make each job firing run in one process of one replica; the outbox
and the placement queue are claimed with SKIP LOCKED, so workers share them.

Workers are gthread with buffering (bot/runtime/web/buffering_worker.py): a thread only ever gets
a request whose headers and body have fully arrived, within ``request_read_seconds``.

On SIGTERM gunicorn stops accepting, lets in-flight requests finish (up to
``GRACEFUL_TIMEOUT_SECONDS``), and each worker's ``worker_exit`` stops its jobs.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication
from sqlalchemy import Engine

from bot.jobs.scheduler import Jobs
from bot.runtime.database import open_database, serving_pool_size
from bot.runtime.deps import Deps
from bot.runtime.http_server import WSGIApp, make_wsgi_app
from bot.runtime.settings import Settings
from bot.runtime.web.buffering_worker import buffering_worker
from bot.runtime.web.health import ReadinessCheck
from bot.runtime.web.kpi_endpoint import kpi_handlers
from bot.runtime.web.limits import MAX_BODY_BYTES
from bot.runtime.web.webhooks import webhook_handlers
from bot.runtime.wiring import make_deps
from bot.slack.app import create_app, make_client

logger = logging.getLogger(__name__)

GRACEFUL_TIMEOUT_SECONDS = 30
# Slack waits 3 s for an ack; a request still running after this is stuck.
WORKER_TIMEOUT_SECONDS = 60
KEEPALIVE_SECONDS = 5


@dataclass
class WorkerState:
    engine: Engine
    jobs: Jobs
    deps: Deps


_worker: WorkerState | None = None


def build_worker(settings: Settings, workspace_id: str) -> WSGIApp:
    """Everything one worker process serves with; its jobs start after the fork."""
    global _worker
    engine, session_factory = open_database(
        settings.database_url,
        upgrade_sqlite=False,
        pool_size=serving_pool_size(settings.listener_threads),
    )
    client = make_client(settings)
    jobs = Jobs(settings, session_factory, client, workspace_id)
    deps = make_deps(settings, session_factory, client)
    app = create_app(settings, client, deps)
    _worker = WorkerState(engine, jobs, deps)
    return make_wsgi_app(
        app,
        readiness=ReadinessCheck(engine),
        session_factory=session_factory,
        webhooks=webhook_handlers(settings, session_factory)
        | kpi_handlers(settings, session_factory),
    )


def post_worker_init(_worker_process: Any) -> None:
    if _worker is not None:
        _worker.jobs.start()
        logger.info("worker %d: jobs started", os.getpid())


def worker_exit(_server: Any, _worker_process: Any) -> None:
    """After in-flight requests finished: let the running job and send finish, then stop."""
    if _worker is not None:
        _worker.deps.close()
        _worker.jobs.shutdown()
        _worker.engine.dispose()
        logger.info("worker %d: jobs stopped", os.getpid())


def child_exit(_server: Any, worker_process: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker_process.pid)


class PulseboardServer(BaseApplication):
    """gunicorn, configured here rather than by a config file or its command line."""

    def __init__(
        self, settings: Settings, workspace_id: str, host: str, port: int, workers: int
    ) -> None:
        self.settings = settings
        self.workspace_id = workspace_id
        self.options: dict[str, Any] = {
            "bind": f"{host}:{port}",
            "workers": workers,
            # gthread whose threads only ever see requests that have fully arrived.
            "worker_class": buffering_worker(settings.request_read_seconds),
            "threads": settings.listener_threads,
            "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
            "timeout": WORKER_TIMEOUT_SECONDS,
            "keepalive": KEEPALIVE_SECONDS,
            "limit_request_field_size": 8190,
            "post_worker_init": post_worker_init,
            "worker_exit": worker_exit,
            "child_exit": child_exit,
            "accesslog": None,
            "loglevel": settings.log_level.lower(),
            "proc_name": "pulseboard",
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return build_worker(self.settings, self.workspace_id)


def serve_with_gunicorn(
    settings: Settings, workspace_id: str, host: str, port: int, workers: int
) -> None:
    """Run until SIGTERM or SIGINT (gunicorn's own signal handling, graceful)."""
    logger.info(
        "serving http://%s:%d/slack/events with %d workers (bodies up to %d bytes)",
        host,
        port,
        workers,
        MAX_BODY_BYTES,
    )
    PulseboardServer(settings, workspace_id, host, port, workers).run()
