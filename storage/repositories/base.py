"""What every repository shares: its session, its workspace and insert-once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Column, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Base

RowT = TypeVar("RowT", bound=Base)


class Repository:
    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def insert_once(self, row: RowT, find_existing: Callable[[], RowT | None]) -> tuple[RowT, bool]:
        """Insert ``row`` unless a unique key already holds one; return (row, created).

        The database's unique constraint decides, not a prior read, so two replicas or a
        Slack retry racing on the same key still store one row. The insert runs in a
        savepoint so a conflict leaves the caller's transaction usable.
        """
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            existing = find_existing()
            if existing is None:
                raise
            return existing, False
        return row, True

    def insert_unless_taken(
        self, model: type[Base], values: dict[str, Any], key: Sequence[Column[Any]]
    ) -> int | None:
        """One ``INSERT … ON CONFLICT (key) DO NOTHING``: the new row's id, or None if taken.

        ``key`` are the columns of a unique constraint. The lean twin of
        :meth:`insert_once` for hot paths (a `/feedback` ack): one Core statement, built
        once, on the session's connection; no savepoint and no ORM flush. Python-side
        column defaults apply as usual.
        """
        connection = self.session.connection()
        table = model.__table__
        assert isinstance(table, Table)
        dialect = connection.dialect
        statement = _insert_unless_taken(
            table, tuple(column.name for column in key), dialect.name, dialect.insert_returning
        )
        result = connection.execute(statement, values)
        if dialect.insert_returning:
            return result.scalar()
        return result.lastrowid if result.rowcount == 1 else None  # SQLite before 3.35


@functools.cache
def _insert_unless_taken(
    table: Table, key: tuple[str, ...], dialect: str, returning: bool
) -> Executable:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=[table.c[k] for k in key])
    return statement.returning(table.c.id) if returning else statement
