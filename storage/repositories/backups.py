"""Reading a whole workspace out, and writing it back with its ids (a backup's restore)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, text, update

from storage.models import Base, Request, Theme, ThemeStatusChange, Workspace
from storage.repositories.base import Repository, RowT

#: Tables whose rows a restore writes with the ids of the backup.
KEPT_IDS: tuple[type[Base], ...] = (Theme, Request, ThemeStatusChange)


class BackupRepository(Repository):
    def name(self) -> str:
        workspace = self.session.get(Workspace, self.workspace_id)
        return workspace.name if workspace is not None else ""

    def set_name(self, name: str) -> None:
        workspace = self.session.get(Workspace, self.workspace_id)
        if workspace is None:
            self.session.add(Workspace(id=self.workspace_id, name=name))
        else:
            workspace.name = name
        self.session.flush()

    def rows(self, model: type[RowT]) -> list[RowT]:
        """Every row of ``model`` in this workspace, by id: merged and deleted themes and
        withdrawn requests too (a backup keeps them all)."""
        table = model.__table__
        return list(
            self.session.scalars(
                select(model).where(table.c.workspace_id == self.workspace_id).order_by(table.c.id)
            )
        )

    def ids_taken(self, model: type[Base], ids: Iterable[int]) -> list[int]:
        """Which of ``ids`` already name a row of ``model`` (any workspace's)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        column = model.__table__.c.id
        return list(self.session.scalars(select(column).where(column.in_(wanted))))

    def insert(self, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
        """Rows as given (ids included), with this workspace's id, in one statement."""
        if rows:
            values = [{"workspace_id": self.workspace_id, **row} for row in rows]
            self.session.execute(insert(model), values)

    def set_merges(self, merged_into: dict[int, int]) -> None:
        """Each theme merged into its target, once every theme of the backup is stored."""
        for source, target in merged_into.items():
            self.session.execute(
                update(Theme).where(Theme.id == source).values(merged_into_id=target)
            )

    def continue_ids_after_restore(self) -> None:
        """PostgreSQL's sequences continue after the largest restored id (SQLite picks
        max + 1 by itself)."""
        connection = self.session.connection()
        if connection.dialect.name != "postgresql":
            return
        for model in KEPT_IDS:
            table = model.__table__.name
            largest = self.session.scalar(select(func.max(model.__table__.c.id)))
            if largest is not None:
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :largest)"),
                    {"table": table, "largest": largest},
                )
