from __future__ import annotations

from storage.models import Domain
from storage.repositories.base import Repository


class DomainRepository(Repository):
    def add(
        self,
        name: str,
        description: str = "",
        owner_slack_id: str | None = None,
        digest_channel: str | None = None,
    ) -> Domain:
        return self.add_row(
            Domain(
                workspace_id=self.workspace_id,
                name=name,
                description=description,
                owner_slack_id=owner_slack_id,
                digest_channel=digest_channel,
            )
        )

    def by_name(self, name: str) -> Domain | None:
        return self.first_of(Domain, Domain.name == name)

    def by_id(self, domain_id: int) -> Domain | None:
        return self.row_by_id(Domain, domain_id)

    def active(self) -> list[Domain]:
        """The domains people can pick: not retired, by name."""
        return [d for d in self.list_all() if d.retired_at is None]

    def list_all(self) -> list[Domain]:
        return self.rows_of(Domain, order_by=[Domain.name])

    def with_digest_channel(self) -> list[Domain]:
        return [d for d in self.active() if d.digest_channel]
