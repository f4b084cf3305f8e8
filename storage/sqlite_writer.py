"""One SQLite writer at a time, waiting in a queue rather than in SQLite's busy handler.

SQLite allows one writer. A second one gets SQLITE_BUSY and its busy handler sleeps and
retries, with sleeps that grow to 100 ms: under a burst of `/feedback` requests (each a
short write) a few unlucky ones sleep for hundreds of milliseconds although the lock was
free again after one. So every connection of an engine takes this lock before the first
write of a transaction and gives it back when the connection returns to the pool (after
its commit or rollback). Threads of the process queue on a lock and wake as soon as it
is free; other processes on the same file (a placement worker, gunicorn workers) are
kept in line by ``flock`` on a lock file beside the database, polled every millisecond.

SQLite's busy timeout still applies behind this: a writer that did not take the lock (a
timeout here, another program) is handled by SQLite as before.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event

try:
    import fcntl
except ImportError:  # Windows: threads of one process are still kept in line
    fcntl = None  # type: ignore[assignment]

HOLDS_LOCK = "pulseboard_holds_writer_lock"
POLL_SECONDS = 0.001
READ_ONLY_STATEMENTS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")


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

    def acquire(self) -> bool:
        """Wait up to ``timeout``; False if it could not be had (SQLite then decides)."""
        me = threading.get_ident()
        if self._owner == me:
            self._depth += 1
            return True
        deadline = time.monotonic() + self.timeout
        if not self._lock.acquire(timeout=self.timeout):
            return False
        if not self._lock_file(deadline):
            self._lock.release()
            return False
        self._owner = me
        self._depth = 1
        return True

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for a block (for writes that bypass the engine's events)."""
        taken = self.acquire()
        try:
            yield
        finally:
            if taken:
                self.release()

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


_locks: WeakKeyDictionary[Engine, WriterLock] = WeakKeyDictionary()


def writer_lock(engine: Engine) -> WriterLock | None:
    """The lock installed on ``engine`` (None: not a SQLite engine)."""
    return _locks.get(engine)


def queue_writers(engine: Engine, database_path: str | None, timeout: float) -> WriterLock:
    """Install the writer lock on a SQLite ``engine`` (``database_path`` None: in memory)."""
    path = Path(f"{database_path}-writer.lock") if database_path else None
    lock = WriterLock(path, timeout)
    _locks[engine] = lock

    @event.listens_for(engine, "before_cursor_execute")
    def take_before_writing(
        connection: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
    ) -> None:
        if connection.info.get(HOLDS_LOCK) or _is_read(statement):
            return
        if lock.acquire():
            connection.info[HOLDS_LOCK] = True

    @event.listens_for(engine.pool, "checkin")
    def give_back_when_returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(HOLDS_LOCK, False):
            lock.release()

    @event.listens_for(engine.pool, "invalidate")
    def give_back_when_invalidated(_dbapi_connection: Any, record: Any, _error: Any) -> None:
        give_back_when_returned(_dbapi_connection, record)

    return lock


def _is_read(statement: str) -> bool:
    return statement.lstrip()[:9].upper().startswith(READ_ONLY_STATEMENTS)
