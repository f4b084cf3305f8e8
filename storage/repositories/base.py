"""What every repository shares: its session, its workspace and the reads scoped to it,
insert-once, and claiming queue rows."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    CursorResult,
    Executable,
    Result,
    SQLColumnExpression,
    Table,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session

from storage.models import Base

RowT = TypeVar("RowT", bound=Base)


class InWorkspace(Protocol):
    """A row that belongs to one workspace (a model's mapped ``workspace_id``)."""

    workspace_id: ClassVar[Mapped[str]]


InWorkspaceT = TypeVar("InWorkspaceT", bound=InWorkspace)


class Repository:
    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def add_row(self, row: RowT) -> RowT:
        """Store ``row`` now (flushed: it has its id)."""
        self.session.add(row)
        self.session.flush()
        return row

    def row_by_id(self, model: type[InWorkspaceT], row_id: int) -> InWorkspaceT | None:
        """The row of ``model`` with this id, None if there is none in this workspace."""
        row = self.session.get(model, row_id)
        return row if row is not None and row.workspace_id == self.workspace_id else None

    def rows_of(
        self,
        model: type[InWorkspaceT],
        *where: ColumnElement[bool],
        order_by: Sequence[SQLColumnExpression[Any]] = (),
    ) -> list[InWorkspaceT]:
        """The rows of ``model`` in this workspace that match ``where``, in ``order_by``
        order (none given: the database's)."""
        return list(
            self.session.scalars(
                select(model)
                .where(model.workspace_id == self.workspace_id, *where)
                .order_by(*order_by)
            )
        )

    def first_of(
        self,
        model: type[InWorkspaceT],
        *where: ColumnElement[bool],
        order_by: Sequence[SQLColumnExpression[Any]] = (),
    ) -> InWorkspaceT | None:
        """The first row of ``model`` in this workspace that matches ``where``, in
        ``order_by`` order; None if there is none."""
        return self.session.scalar(
            select(model)
            .where(model.workspace_id == self.workspace_id, *where)
            .order_by(*order_by)
            .limit(1)
        )

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
        dialect = connection.dialect
        statement = _insert_unless_taken(
            model.__table__,
            tuple(column.name for column in key),
            dialect.name,
            dialect.insert_returning,
        )
        result = connection.execute(statement, values)
        if dialect.insert_returning:
            return result.scalar()
        return result.lastrowid if result.rowcount == 1 else None  # SQLite before 3.35

    def insert_all_unless_taken(
        self, model: type[Base], rows: Sequence[dict[str, Any]], key: Sequence[Column[Any]]
    ) -> int:
        """Many rows in one executemany ``INSERT … ON CONFLICT (key) DO NOTHING``: how many
        were new.

        For bulk loads (an import): no savepoint per row, whose thousands would exhaust
        PostgreSQL's lock table within one transaction, and no ORM objects. Every row
        must have the same keys.
        """
        if not rows:
            return 0
        connection = self.session.connection()
        dialect = connection.dialect
        returning = dialect.insert_executemany_returning
        statement = _insert_unless_taken(
            model.__table__, tuple(column.name for column in key), dialect.name, returning
        )
        result = connection.execute(statement, list(rows))
        return len(result.all()) if returning else max(result.rowcount, 0)


class Claimable(Protocol):
    """A queue row that workers claim: ``claimed_by`` a token until ``claimed_until``.

    The members are the model's mapped attributes (class-level descriptors): a column on
    the class, its value on a row.
    """

    id: ClassVar[Mapped[int]]
    claimed_until: ClassVar[Mapped[datetime | None]]
    claimed_by: ClassVar[Mapped[str | None]]


ClaimableT = TypeVar("ClaimableT", bound=Claimable)


def claim_rows(
    session: Session,
    model: type[ClaimableT],
    claimable: ColumnElement[bool],
    order_by: Sequence[SQLColumnExpression[Any]],
    limit: int,
    until: datetime,
    token: str,
) -> list[ClaimableT]:
    """Claim up to ``limit`` rows matching ``claimable`` for ``token`` until ``until``.

    On PostgreSQL the candidates are locked (SKIP LOCKED: rows another worker is
    claiming are passed over); the update then checks ``claimable`` again, which is what
    makes the claim safe on SQLite, where a read does not lock. The answer is in
    ``order_by`` order, read afresh from the database.
    """
    candidates = list(
        session.scalars(
            select(model.id)
            .where(claimable)
            .order_by(*order_by)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not candidates:
        return []
    update_rows(
        session, model, model.id.in_(candidates), claimable, claimed_until=until, claimed_by=token
    )
    return list(
        session.scalars(
            select(model)
            .where(model.claimed_by == token, model.id.in_(candidates))
            .order_by(*order_by)
            .execution_options(populate_existing=True)
        )
    )


def update_rows(
    session: Session, model: type[Any], /, *where: ColumnElement[bool], **values: Any
) -> int:
    """``UPDATE model SET values WHERE where``: how many rows it changed.

    The session's objects are left as they are (no synchronize_session): a caller reads
    the outcome from the count, or reads the row afresh.
    """
    result = session.execute(
        update(model).where(*where).values(**values).execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def affected_rows(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows the UPDATE or DELETE that gave ``result`` matched (its rowcount).

    ``Session.execute`` is typed to return a ``Result``, which has no ``rowcount``; for
    a DML statement it is a ``CursorResult``, which has.
    """
    return cast("CursorResult[*tuple[Any, ...]]", result).rowcount


@functools.cache
def _insert_unless_taken(
    table: Table, key: tuple[str, ...], dialect: str, returning: bool
) -> Executable:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=[table.c[k] for k in key])
    return statement.returning(table.c.id) if returning else statement
