"""The `/feedback` ack path's store: a request and its placement-queue row, committed.

Slack waits for the ack while this runs, and a server process serves every request under
one interpreter lock, so the Python work here is what the ack costs (measured in
benchmarks/feedback_ack.py). The statements are SQLAlchemy Core statements, compiled once
per engine and run on a pooled DBAPI connection: no session, no per-call compilation or
cache key, no engine events. On PostgreSQL both rows go in one statement (a data-modifying
CTE), on SQLite in two, under the engine's writer lock (storage/sqlite_writer.py).

A store may be given a ``write_timeout`` (seconds): the ack's, so that a database locked by
another program answers "busy" in time (:class:`~storage.errors.DatabaseBusyError`, nothing
stored) instead of holding the ack past Slack's 3 s. It bounds SQLite's waits; PostgreSQL
writes here wait for no one but a racing insert of the same key.

Only the common case comes here: a person already known to this process logging a plain
request (no domain, pain or objective given). Everything else, and a Slack retry whose
key is taken, goes through ``RequestRepository.log_once`` in a unit of work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine, Executable, bindparam, false, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from storage.enums import RequestSource
from storage.models import PendingPlacement, Request, User
from storage.sqlite_writer import begin_immediately, writer_lock

_REQUESTS, _USERS, _PENDING = Request.__table__, User.__table__, PendingPlacement.__table__


@dataclass(frozen=True)
class IntakeRow:
    """A plain request to store, and who to tell where it was placed."""

    workspace_id: str
    idempotency_key: str
    title: str
    body: str
    requester_id: int
    source: RequestSource
    created_at: datetime
    reply_to: str
    response_url: str | None


class _Prepared:
    """A statement compiled for one dialect, with its bind processors, ready for a cursor."""

    def __init__(self, statement: Executable, engine: Engine) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.positions: tuple[str, ...] | None = (
            tuple(compiled.positiontup or ()) if compiled.positional else None
        )
        self.processors: dict[str, Callable[[Any], Any] | None] = {
            name: bind.type.bind_processor(dialect) for bind, name in compiled.bind_names.items()
        }

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        processed = {
            name: process(values[name]) if process is not None else values[name]
            for name, process in self.processors.items()
        }
        if self.positions is None:
            return processed
        return tuple(processed[name] for name in self.positions)


def _column_value(name: str) -> Any:
    return bindparam(name, type_=_REQUESTS.c[name].type)


def _request_insert(dialect: str) -> Any:
    values = {
        name: _column_value(name)
        for name in ("workspace_id", "idempotency_key", "title", "body", "requester_id")
    }
    values |= {
        "source": _column_value("source"),
        "created_at": _column_value("created_at"),
        "domain_id": select(_USERS.c.domain_id)
        .where(_USERS.c.id == bindparam("requester_id", type_=_USERS.c.id.type))
        .scalar_subquery(),
        "pinned_to_theme": false(),
    }
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        dialect_insert(_REQUESTS)
        .values(values)
        .on_conflict_do_nothing(index_elements=[_REQUESTS.c.idempotency_key])
        .returning(_REQUESTS.c.id)
    )


def _queue_values(request_id: Any) -> dict[str, Any]:
    return {
        "workspace_id": bindparam("workspace_id", type_=_PENDING.c.workspace_id.type),
        "request_id": request_id,
        "reply_to": bindparam("reply_to", type_=_PENDING.c.reply_to.type),
        "response_url": bindparam("response_url", type_=_PENDING.c.response_url.type),
        "enqueued_at": bindparam("created_at", type_=_PENDING.c.enqueued_at.type),
    }


def _store_both(request_insert: Any) -> Executable:
    """PostgreSQL: the request, then its queue row from the request's new id; no row
    back when the idempotency key was taken (then nothing is queued either)."""
    new_request = request_insert.cte("new_request")
    queued = _queue_values(new_request.c.id)
    return (
        insert(_PENDING)
        .from_select(list(queued), select(*queued.values()))
        .returning(_PENDING.c.request_id)
    )


def _values(row: IntakeRow) -> dict[str, Any]:
    return {
        "workspace_id": row.workspace_id,
        "idempotency_key": row.idempotency_key,
        "title": row.title,
        "body": row.body,
        "requester_id": row.requester_id,
        "source": row.source,
        "created_at": row.created_at,
        "reply_to": row.reply_to,
        "response_url": row.response_url,
    }


class Intake(Protocol):
    """Where the ack's store is made: here (:class:`RequestIntake`), or through a process of
    its own (storage/intake_process.py)."""

    @property
    def engine(self) -> Engine: ...

    def store(self, row: IntakeRow, write_timeout: float | None = None) -> int | None: ...

    def close(self) -> None: ...


class RequestIntake:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._dialect = engine.dialect
        self._one_statement = engine.dialect.name == "postgresql"
        request_insert = _request_insert(engine.dialect.name)
        if self._one_statement:
            self._first = _Prepared(_store_both(request_insert), engine)
        else:
            self._first = _Prepared(request_insert, engine)
            self._queue = _Prepared(
                insert(_PENDING).values(_queue_values(bindparam("request_id"))), engine
            )

    def store(self, row: IntakeRow, write_timeout: float | None = None) -> int | None:
        """Store the request and queue it for placement, committed: the request's id, or
        None (nothing written) when its idempotency key is taken, as on a Slack retry."""
        if not self._one_statement:
            return self.store_all([row], write_timeout)[0]
        with self._connection() as connection:
            return self._store_in_one_statement(connection.dbapi_connection, _values(row))

    def store_all(
        self, rows: Sequence[IntakeRow], write_timeout: float | None = None
    ) -> list[int | None]:
        """Store several rows as :meth:`store` would each, in one transaction: one commit
        for them all. If one fails, none is stored and the error is raised."""
        deadline = None if write_timeout is None else time.monotonic() + write_timeout
        with self._connection(write_timeout) as connection:
            if not self._one_statement:
                begin_immediately(connection.dbapi_connection, deadline)
            cursor = connection.cursor()
            try:
                ids = [self._insert(cursor, _values(row)) for row in rows]
            finally:
                cursor.close()
            connection.commit()
        return ids

    def _insert(self, cursor: Any, values: dict[str, Any]) -> int | None:
        cursor.execute(self._first.sql, self._first.parameters(values))
        created = cursor.fetchone()
        if created is None:
            return None
        request_id = int(created[0])
        if not self._one_statement:
            queued = values | {"request_id": request_id}
            cursor.execute(self._queue.sql, self._queue.parameters(queued))
        return request_id

    def _store_in_one_statement(self, dbapi_connection: Any, values: dict[str, Any]) -> int | None:
        """PostgreSQL: one statement is atomic on its own, so it runs in autocommit mode: one
        round trip, without BEGIN and COMMIT (the pool's pre-ping does the same)."""
        dbapi_connection.autocommit = True
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(self._first.sql, self._first.parameters(values))
                created = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            if not dbapi_connection.closed:
                dbapi_connection.autocommit = False
        return None if created is None else int(created[0])

    def close(self) -> None:
        """Nothing to let go: the engine is its owner's to dispose of."""

    @contextmanager
    def _connection(self, write_timeout: float | None = None) -> Iterator[Any]:
        """A pooled DBAPI connection, under SQLite's writer lock; rolled back and given
        back on error, with the error raised as SQLAlchemy would (a lost connection is
        dropped from the pool, and callers see the usual DBAPIError subclasses)."""
        lock = writer_lock(self.engine)
        dbapi_error = self._dialect.loaded_dbapi.Error
        try:
            connection = self.engine.raw_connection()
        except dbapi_error as error:
            raise DBAPIError.instance("connect", None, error, dbapi_error) from error
        try:
            with lock.held(write_timeout) if lock is not None else nullcontext():
                try:
                    yield connection
                except dbapi_error as error:
                    self._give_up(connection, error)
                    raise DBAPIError.instance("intake", None, error, dbapi_error) from error
        finally:
            connection.close()

    def _give_up(self, connection: Any, error: Exception) -> None:
        if self._dialect.is_disconnect(error, connection.dbapi_connection, None):
            connection.invalidate(error)
            return
        try:
            connection.rollback()
        except self._dialect.loaded_dbapi.Error:
            connection.invalidate(error)
