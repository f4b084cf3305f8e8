"""The ack's store in a process of its own: listener threads hand it each row over a local
socket and wait for the row's id.

A server process runs every request under one interpreter lock. A store made in a listener
thread gives that lock up and must take it back at every database call (and on SQLite it
holds the writer lock meanwhile), so under a burst each store waited several times for
the other threads' Python work, and the acks' tail grew (benchmarks/feedback_ack.py). Here
a listener thread sends one message and waits for one answer; the database work runs in a
process with an interpreter of its own, beside the server's on the machine's other cores.

The process is an optimisation, never a requirement: when it is not running, has gone,
answers with an error or does not answer in time, the caller stores the row itself
(:class:`~storage.intake.RequestIntake`), and whatever the database then raises reaches
the caller as before, so an outage is still answered "try again in a minute". A row the
process stored but could not confirm is not stored twice: its idempotency key is taken.

A store with a ``write_timeout`` (the ack's) keeps to it: the process gets a share of it
for its write and the fallback the rest, so a database that another program holds
answers DatabaseBusyError in time rather than after SQLite's busy timeout.

The socket lives in a directory that only this user can enter (``tempfile.mkdtemp``), and
connecting has no handshake, so it never waits on the process: a process that hangs
costs an ack at most ``ANSWER_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import select
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import fields
from multiprocessing.connection import Client, Connection, Listener, wait
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from storage.enums import RequestSource
from storage.errors import DatabaseBusyError
from storage.intake import IntakeRow, RequestIntake

logger = logging.getLogger(__name__)

#: How long a listener thread waits for an answer before storing the row itself; Slack
#: gives the whole ack 3 s, and the fallback store needs time too.
ANSWER_TIMEOUT_SECONDS = 1.0
#: The share of an answer's wait that the process may spend waiting for the database.
PROCESS_WRITE_SHARE = 0.8
START_TIMEOUT_SECONDS = 30.0
PARENT_CHECK_SECONDS = 1.0
STORED, FAILED = "stored", "failed"
PROTOCOL = pickle.HIGHEST_PROTOCOL
_FIELDS = tuple(field.name for field in fields(IntakeRow))


class IntakeProcess:
    """Stores intake rows through a child process, or in this one when it cannot."""

    def __init__(self, database_url: str, local: RequestIntake) -> None:
        self.local = local
        self._directory = Path(tempfile.mkdtemp(prefix="pulseboard-intake-"))
        self._address = str(self._directory / "intake.sock")
        context = multiprocessing.get_context("spawn")
        self._ready = context.Event()
        self._process = context.Process(
            target=_run_in_child,
            args=(database_url, self._address, self._ready, os.getpid()),
            name="pulseboard-intake",
            daemon=True,
        )
        self._threads = threading.local()
        self._gone_logged = False

    @property
    def engine(self) -> Engine:
        return self.local.engine

    def start(self) -> IntakeProcess:
        """Start the process and wait until it listens, or until it has failed to."""
        self._process.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._ready.wait(0.1):
            if not self._process.is_alive() or time.monotonic() > deadline:
                logger.warning("intake process did not start; acks store in the server process")
                return self
        logger.info("intake process started (pid %s)", self._process.pid)
        return self

    def store(self, row: IntakeRow, write_timeout: float | None = None) -> int | None:
        """As :meth:`RequestIntake.store`: the new request's id, None if its key is taken."""
        deadline = None if write_timeout is None else time.monotonic() + write_timeout
        wait = (
            ANSWER_TIMEOUT_SECONDS
            if write_timeout is None
            else min(ANSWER_TIMEOUT_SECONDS, write_timeout)
        )
        process_timeout = None if write_timeout is None else wait * PROCESS_WRITE_SHARE
        channel = self._channel()
        if channel is not None:
            try:
                message = (_to_wire(row), process_timeout)
                channel.connection.send_bytes(pickle.dumps(message, PROTOCOL))
                if channel.answered(wait):
                    outcome, value = pickle.loads(channel.connection.recv_bytes())
                    if outcome == STORED:
                        return value  # type: ignore[no-any-return]
                    logger.warning("intake process could not store a row: %s", value)
                else:
                    logger.warning("intake process did not answer in time")
                    self._drop_channel()  # a late answer must not be read as the next
            except (OSError, EOFError):
                self._drop_channel()
        left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        return self.local.store(row, left)

    def close(self) -> None:
        """Stop the process (a row in hand is finished or rolled back by the database)."""
        if self._process.is_alive():
            self._process.terminate()
        if self._process.pid is not None:
            self._process.join(timeout=5)
        shutil.rmtree(self._directory, ignore_errors=True)

    def _channel(self) -> _Channel | None:
        channel: _Channel | None = getattr(self._threads, "channel", None)
        if channel is not None:
            return channel
        if not self._ready.is_set():
            return None
        if not self._process.is_alive():
            if not self._gone_logged:
                self._gone_logged = True
                logger.error("intake process is gone; acks store in the server process")
            return None
        try:
            channel = _Channel(Client(self._address, "AF_UNIX"))
        except (OSError, EOFError):
            return None
        self._threads.channel = channel
        return channel

    def _drop_channel(self) -> None:
        channel = getattr(self._threads, "channel", None)
        self._threads.channel = None
        if channel is not None:
            channel.connection.close()


class _Channel:
    """One server thread's connection to the process, with a poller kept for waiting on
    it (``Connection.poll`` builds a selector at every call)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._poller = select.poll()
        self._poller.register(connection.fileno(), select.POLLIN)

    def answered(self, timeout: float) -> bool:
        return bool(self._poller.poll(timeout * 1000))


def _to_wire(row: IntakeRow) -> tuple[Any, ...]:
    """The row as plain values: pickled without a dataclass or an enum, it costs a few
    microseconds, not tens, of the server's interpreter."""
    return tuple(row.source.value if name == "source" else getattr(row, name) for name in _FIELDS)


def _from_wire(values: tuple[Any, ...]) -> IntakeRow:
    by_name = dict(zip(_FIELDS, values, strict=True))
    by_name["source"] = RequestSource(by_name["source"])
    return IntakeRow(**by_name)


def _run_in_child(database_url: str, address: str, ready: Any, parent_pid: int) -> None:
    """Answer the server's threads in one thread, on one connection: no lock to wait for
    and no other Python work to share the interpreter with. The rows that arrived together
    are stored in one transaction (one commit, one flush to disk, for them all)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    intake = RequestIntake(_engine(database_url))
    arrivals = _Arrivals(Listener(address, "AF_UNIX"))
    threading.Thread(target=_exit_with, args=(parent_pid, address), daemon=True).start()
    ready.set()
    connections: list[Connection] = []
    while True:
        asked: list[tuple[Connection, IntakeRow, float | None]] = []
        for ready_one in wait([*connections, arrivals.signal]):
            if ready_one is arrivals.signal:
                connections.extend(arrivals.take())
                continue
            connection: Connection = ready_one  # type: ignore[assignment]
            try:
                values, timeout = pickle.loads(connection.recv_bytes())
                asked.append((connection, _from_wire(values), timeout))
            except (OSError, EOFError):
                connections.remove(connection)
                connection.close()
        waiting = [connection for connection, _, _ in asked]
        timeouts = [timeout for _, _, timeout in asked if timeout is not None]
        answers = _store(intake, [row for _, row, _ in asked], min(timeouts, default=None))
        for connection, answer in zip(waiting, answers, strict=True):
            try:
                connection.send_bytes(pickle.dumps(answer, PROTOCOL))
            except OSError:
                connections.remove(connection)
                connection.close()


def _store(
    intake: RequestIntake, rows: list[IntakeRow], timeout: float | None = None
) -> list[tuple[str, Any]]:
    """An answer for each row: together if they can be, else each on its own, so that one
    bad row does not fail the others."""
    if len(rows) < 2:  # on PostgreSQL, one row alone is one round trip (autocommit)
        return [_store_one(intake, row, timeout) for row in rows]
    try:
        return [(STORED, stored) for stored in intake.store_all(rows, timeout)]
    except DatabaseBusyError as error:
        return [(FAILED, type(error).__name__)] * len(rows)
    except Exception:
        return [_store_one(intake, row, timeout) for row in rows]


def _store_one(intake: RequestIntake, row: IntakeRow, timeout: float | None) -> tuple[str, Any]:
    try:
        return (STORED, intake.store(row, timeout))
    except Exception as error:  # the caller stores it itself and sees the error
        return (FAILED, type(error).__name__)  # its text may hold the user's


class _Arrivals:
    """Accepts connections in a thread of its own and signals the answering loop."""

    def __init__(self, listener: Listener) -> None:
        self.signal, self._notify = os.pipe()
        self._listener = listener
        self._new: list[Connection] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def take(self) -> list[Connection]:
        os.read(self.signal, 4096)
        with self._lock:
            taken, self._new = self._new, []
        return taken

    def _accept(self) -> None:
        while True:
            try:
                connection = self._listener.accept()
            except OSError:
                continue
            with self._lock:
                self._new.append(connection)
            os.write(self._notify, b"+")


def _engine(database_url: str) -> Engine:
    """The process's own engine. On PostgreSQL without the pool's pre-ping, which would
    double the round trips of every row: a connection found dead fails that one row, which
    the server then stores itself, and the pool replaces the connection."""
    from storage.db import is_sqlite, make_engine

    if is_sqlite(database_url):
        return make_engine(database_url)
    return make_engine(database_url, pool_pre_ping=False)


def _exit_with(parent_pid: int, address: str) -> None:
    """Exit once the parent is gone; a parent that was killed could not remove the socket's
    directory, so the process does."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    shutil.rmtree(Path(address).parent, ignore_errors=True)
    os._exit(0)
