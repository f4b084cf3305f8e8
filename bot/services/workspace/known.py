"""Which workspaces a database holds: what a command picks from."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.repositories.workspaces import known_workspace_ids


def workspace_ids(session: Session) -> list[str]:
    """Workspaces that have data in this database, in order."""
    return known_workspace_ids(session)
