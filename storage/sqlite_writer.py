"""One SQLite writer at a time, waiting in a queue rather than in SQLite's busy handler.

SQLite allows one writer. A second one gets SQLITE_BUSY and its busy handler sleeps and
retries, with sleeps that grow to 100 ms: under a burst of `/feedback` requests (each a
short write) a few unlucky ones sleep for hundreds of milliseconds although the lock was
free again after one. So every connection of an engine takes this lock before the first
write of a transaction and gives it back when the connection returns to the pool (after
its commit or rollback). Threads of the process queue on a lock and wake as soon as it
is free; other processes on the same file (gunicorn workers, a CLI command) are
kept in line by ``flock`` on a lock file beside the database, polled every millisecond.

SQLite's busy timeout still applies behind this: a writer that did not take the lock (a
timeout here, another program) is handled by SQLite as before.

The first write of a transaction (an INSERT, UPDATE, DELETE, DDL or a SAVEPOINT) also opens
SQLite's transaction, with ``BEGIN IMMEDIATE`` once the lock is held: pysqlite's own BEGIN
(legacy transaction control) is turned off by storage/db.py, since it sends none before a
SAVEPOINT or DDL, which then committed on their own. Reads before the first write run
outside SQLite's transaction, as they did under pysqlite: a transaction that read first
and wrote later would find its snapshot stale whenever another writer had committed
meanwhile (WAL mode then fails the write at once, without the busy handler), so the
transaction starts where the writing does, after the writers' queue.

A write may carry a deadline (the execution option ``WRITE_TIMEOUT``, seconds): it then
waits at most that long for the lock and for SQLite's, and raises
:class:`~storage.errors.DatabaseBusyError` with nothing written when that is not enough.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event

from storage.errors import DatabaseBusyError

try:
    import fcntl
except ImportError:  # Windows: threads of one process are still kept in line
    fcntl = None  # type: ignore[assignment]

HOLDS_LOCK = "pulseboard_holds_writer_lock"
POLL_SECONDS = 0.001
READ_ONLY_STATEMENTS = ("SELECT", "PRAGMA", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "END")
#: Execution option: how long (seconds) a transaction's first write may wait to start.
WRITE_TIMEOUT = "pulseboard_write_timeout"
BUSY = "database is locked"


class WriterLock:
    """A lock that one thread at a time holds, across processes when given a path.

    Re-entrant for its holder (two writes in a row on one connection take it once), and
    releasable from another thread (a connection may be returned to the pool by one).
    """

    def __init__(self, path: Path | None, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._file: Any = None
        self._file_pid: int | None = None

    def acquire(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` (default: the lock's); False if it could not be had
        (SQLite then decides)."""
        me = threading.get_ident()
        if self._owner == me:
            self._depth += 1
            return True
        wait = self.timeout if timeout is None else max(timeout, 0.0)
        deadline = time.monotonic() + wait
        if not self._lock.acquire(timeout=wait):
            return False
        if not self._lock_file(deadline):
            self._lock.release()
            return False
        self._owner = me
        self._depth = 1
        return True

    def release(self) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        self._owner = None
        if self._file is not None and fcntl is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._lock.release()

    def _lock_file(self, deadline: float) -> bool:
        if self.path is None or fcntl is None:
            return True
        if self._file_pid != os.getpid():  # a forked child must not share the parent's
            self._file = open(self.path, "a+b")  # noqa: SIM115 - kept open for the process
            self._file_pid = os.getpid()
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(POLL_SECONDS)


def queue_writers(engine: Engine, database_path: str | None, timeout: float) -> None:
    """Install the writer lock on a SQLite ``engine`` (``database_path`` None: in memory)."""
    path = Path(f"{database_path}-writer.lock") if database_path else None
    lock = WriterLock(path, timeout)

    @event.listens_for(engine, "before_cursor_execute")
    def take_before_writing(
        connection: Connection, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
    ) -> None:
        if _is_read(statement):
            return
        timeout = connection.get_execution_options().get(WRITE_TIMEOUT)
        deadline = None if timeout is None else time.monotonic() + timeout
        if not connection.info.get(HOLDS_LOCK):
            if lock.acquire(timeout):
                connection.info[HOLDS_LOCK] = True
            elif timeout is not None:
                raise DatabaseBusyError("another writer holds the database")
        if connection.in_transaction() and not _is_autocommit(connection):
            begin_immediately(connection.connection.dbapi_connection, deadline)

    @event.listens_for(engine.pool, "checkin")
    def give_back_when_returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(HOLDS_LOCK, False):
            lock.release()

    @event.listens_for(engine.pool, "invalidate")
    def give_back_when_invalidated(_dbapi_connection: Any, record: Any, _error: Any) -> None:
        give_back_when_returned(_dbapi_connection, record)


def begin_immediately(dbapi_connection: Any, deadline: float | None = None) -> None:
    """Open SQLite's transaction for writing, unless it is open already.

    With a ``deadline`` (``time.monotonic()``), SQLite's busy handler waits only until
    then, and a database still locked raises DatabaseBusyError."""
    if dbapi_connection.in_transaction:
        return
    if deadline is None:
        dbapi_connection.execute("BEGIN IMMEDIATE")
        return
    (usual,) = dbapi_connection.execute("PRAGMA busy_timeout").fetchone()
    remaining_ms = max(int((deadline - time.monotonic()) * 1000), 1)
    dbapi_connection.execute(f"PRAGMA busy_timeout={min(remaining_ms, int(usual))}")
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if BUSY not in str(error):
            raise
        raise DatabaseBusyError("another writer holds the database") from error
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(usual)}")


def _is_autocommit(connection: Connection) -> bool:
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def _is_read(statement: str) -> bool:
    return statement.lstrip()[:9].upper().startswith(READ_ONLY_STATEMENTS)
