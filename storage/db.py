"""Engines and sessions (the unit of work that uses them: storage/unit_of_work.py)."""

from __future__ import annotations

import sqlite3
import sys
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.sqlite_writer import queue_writers

SessionFactory = sessionmaker[Session]

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A PostgreSQL that is down must fail a request in seconds, not hang it: Slack gives up
# after 3 s, and the error handler can still answer in time only if connecting stops.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 2
POOL_TIMEOUT_SECONDS = 5


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL mode, foreign keys and a busy timeout.

    WAL lets the scheduler and request threads read while one of them writes, and
    writers wait their turn in a queue (storage/sqlite_writer.py); foreign keys are off
    by default in SQLite and must be turned on for every connection.

    Transactions on SQLite follow SQLAlchemy's recipe for pysqlite ("Enabling
    Non-Legacy SQLite Transactional Modes"): pysqlite's own BEGIN is turned off and the
    engine emits BEGIN itself, so that savepoints and DDL belong to the transaction
    around them. It is emitted at the transaction's first write, under the writer lock
    (``BEGIN IMMEDIATE``; see storage/sqlite_writer.py for why not at the start).
    """
    if is_sqlite(url):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _configure_sqlite_connection)
        database = make_url(url).database
        in_memory = not database or database == ":memory:" or database.startswith("file::memory")
        queue_writers(engine, None if in_memory else database, SQLITE_BUSY_TIMEOUT_MS / 1000)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_SECONDS)
    return create_engine(url, **kwargs)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Python 3.12+: isolation_level rules (the version test is for the type checker: before
    # 3.12 a sqlite3 connection has no autocommit, and sqlite3 no LEGACY_TRANSACTION_CONTROL)
    if sys.version_info >= (3, 12) and hasattr(dbapi_connection, "autocommit"):
        dbapi_connection.autocommit = sqlite3.LEGACY_TRANSACTION_CONTROL  # only in this mode
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(bind=engine, expire_on_commit=False)
