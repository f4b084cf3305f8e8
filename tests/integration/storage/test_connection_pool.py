"""A serving process keeps a connection open for every thread that may hold one at once,
so a burst of acks does not open and close connections (on PostgreSQL, each one a new
server process) over and over."""

from __future__ import annotations

import threading

from sqlalchemy import event, text

from bot.runtime.database import BACKGROUND_CONNECTIONS, open_database, serving_pool_size
from tests.fixtures.databases import Database

LISTENER_THREADS = 8


def test_busy_threads_reuse_the_serving_pool_connections(database: Database) -> None:
    threads = serving_pool_size(LISTENER_THREADS)
    engine, sessions = open_database(database.url, pool_size=threads)
    opened = 0

    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    all_busy = threading.Barrier(threads)

    def hold_a_connection() -> None:
        with sessions() as session:
            session.execute(text("SELECT 1"))
            all_busy.wait(timeout=10)

    def burst() -> None:
        """Every thread busy at once."""
        workers = [threading.Thread(target=hold_a_connection) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    try:
        burst()
        event.listen(engine, "connect", count)
        burst()
        burst()
        # SQLAlchemy's default pool keeps 5: 7 connections opened again in each burst
        assert opened == 0
        assert engine.pool.checkedin() == threads == LISTENER_THREADS + BACKGROUND_CONNECTIONS
    finally:
        engine.dispose()
