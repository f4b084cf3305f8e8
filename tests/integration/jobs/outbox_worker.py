"""An outbox sender in a process of its own, for the crash test (which kills it).

Run as ``python -m tests.integration.jobs.outbox_worker`` with ``OUTBOX_WORKER_DATABASE_URL``,
``OUTBOX_WORKER_SLACK_URL`` and ``OUTBOX_WORKER_HOLD_SECONDS`` set; it drains until killed.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from slack_sdk import WebClient

from bot.jobs.outbox import OutboxSender, Pace
from storage.db import make_engine, make_session_factory

DATABASE_URL_ENV = "OUTBOX_WORKER_DATABASE_URL"
SLACK_URL_ENV = "OUTBOX_WORKER_SLACK_URL"
HOLD_ENV = "OUTBOX_WORKER_HOLD_SECONDS"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    engine = make_engine(os.environ[DATABASE_URL_ENV])
    client = WebClient(token="xoxb-test-token", base_url=os.environ[SLACK_URL_ENV], timeout=10)
    sender = OutboxSender(
        make_session_factory(engine),
        client,
        hold=timedelta(seconds=float(os.environ[HOLD_ENV])),
        pace=Pace(global_interval=0.0, channel_interval=0.0),
    )
    sender.run_forever(threading.Event(), idle_seconds=0.05)


if __name__ == "__main__":
    main()
