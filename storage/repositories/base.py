"""What every repository shares: its session, its workspace and insert-once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

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
