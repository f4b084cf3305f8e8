"""Measured values of the objectives' KPIs (one per objective and instant)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.models import KpiValue
from storage.repositories.base import Repository


@dataclass(frozen=True)
class KpiValueToAdd:
    objective_id: int
    value: float
    measured_at: datetime
    source: str
    #: None: now (a backup's restore keeps the original)
    recorded_at: datetime | None = None


class KpiValueRepository(Repository):
    def add_all_once(self, values: Iterable[KpiValueToAdd]) -> int:
        """Store each value unless its objective already has one at that instant (the
        unique key decides: a re-sent value changes nothing); how many were new."""
        rows = [
            {
                "workspace_id": self.workspace_id,
                "objective_id": v.objective_id,
                "value": v.value,
                "measured_at": v.measured_at,
                "source": v.source,
                **({"recorded_at": v.recorded_at} if v.recorded_at is not None else {}),
            }
            for v in values
        ]
        stamped = [row for row in rows if "recorded_at" in row]
        fresh = [row for row in rows if "recorded_at" not in row]
        table = KpiValue.__table__
        key = (table.c.objective_id, table.c.measured_at)
        return self.insert_all_unless_taken(KpiValue, stamped, key) + self.insert_all_unless_taken(
            KpiValue, fresh, key
        )

    def latest_at_or_before(self, objective_id: int, moment: datetime) -> KpiValue | None:
        """The last value measured at or before ``moment``."""
        return self.first_of(
            KpiValue,
            KpiValue.objective_id == objective_id,
            KpiValue.measured_at <= moment,
            order_by=[KpiValue.measured_at.desc()],
        )

    def of_objective(self, objective_id: int) -> list[KpiValue]:
        """Every value of one objective, oldest first."""
        return self.rows_of(
            KpiValue,
            KpiValue.objective_id == objective_id,
            order_by=[KpiValue.measured_at, KpiValue.id],
        )
