from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import User


def known_workspace_ids(session: Session) -> list[str]:
    """Workspaces that have data in this database."""
    return list(session.scalars(select(User.workspace_id).distinct().order_by(User.workspace_id)))
