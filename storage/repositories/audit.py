from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import AuditEntry
from storage.repositories.base import Repository


class AuditRepository(Repository):
    def record(
        self,
        actor: str,
        action: str,
        target_type: str,
        target_id: str | int,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        return self.add_row(
            AuditEntry(
                workspace_id=self.workspace_id,
                actor=actor,
                action=action,
                target_type=target_type,
                target_id=str(target_id),
                details=details or {},
            )
        )

    def oldest_first(self) -> list[AuditEntry]:
        return self.rows_of(AuditEntry, order_by=[AuditEntry.at, AuditEntry.id])

    def recent(self, limit: int = 50) -> list[AuditEntry]:
        return list(
            self.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.workspace_id == self.workspace_id)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(limit)
            )
        )
