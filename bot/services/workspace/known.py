"""Which workspaces a database holds: what a command picks from."""

from __future__ import annotations

from storage.unit_of_work import UnitOfWork


def workspace_ids(uow: UnitOfWork) -> list[str]:
    """Workspaces that have data in this database, in order."""
    return uow.workspace_ids()
