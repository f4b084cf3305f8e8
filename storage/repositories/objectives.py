from __future__ import annotations

from storage.models import Objective
from storage.repositories.base import Repository


class ObjectiveRepository(Repository):
    def add(
        self,
        name: str,
        description: str,
        weight: float,
        keywords: list[str],
        domain_id: int | None = None,
    ) -> Objective:
        return self.add_row(
            Objective(
                workspace_id=self.workspace_id,
                name=name,
                description=description,
                weight=weight,
                keywords=keywords,
                domain_id=domain_id,
            )
        )

    def by_name(self, name: str) -> Objective | None:
        return self.first_of(Objective, Objective.name == name)

    def by_id(self, objective_id: int) -> Objective | None:
        return self.row_by_id(Objective, objective_id)

    def list_all(self) -> list[Objective]:
        return self.rows_of(
            Objective, order_by=[Objective.active.desc(), Objective.weight.desc(), Objective.name]
        )

    def list_active(self) -> list[Objective]:
        return self.rows_of(
            Objective,
            Objective.active.is_(True),
            order_by=[Objective.weight.desc(), Objective.name],
        )
